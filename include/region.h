/* AWS regions and partitions: what a region looks like, which partition it belongs to, and
 * each partition's DNS suffix. The one table of partitions; libc only (both executables). */
#ifndef SHIM_REGION_H
#define SHIM_REGION_H

#include <stddef.h>

/* Whether r[0..len) looks like a region: two lower-case letters, one or more `-word` parts,
 * then `-digits` (us-east-1, us-gov-west-1, cn-northwest-1, eu-isoe-west-1); at most 64
 * bytes. An availability zone (us-east-1a) is not a region. */
int region_valid(const char *r, size_t len);

/* The partition of a valid region, by its prefix: "aws-cn" (cn-), "aws-us-gov" (us-gov-), the
 * ISO partitions (us-iso-, us-isob-, eu-isoe-, us-isof-), else "aws". Static string. */
const char *region_partition(const char *region);

/* Whether p[0..len) is a partition a reference may name (DESIGN 4.2: aws, aws-cn,
 * aws-us-gov). */
int region_partition_in_arns(const char *p, size_t len);

/* The DNS suffix of a partition's public endpoints ("amazonaws.com", "amazonaws.com.cn", ...),
 * or NULL for an unknown partition. Static string. */
const char *region_partition_domain(const char *partition);

#endif
