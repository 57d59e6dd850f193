/* The partition table and the region grammar: every module that checks a region or picks a
 * partition asks here. */
#include "region.h"

#include <string.h>

#define REGION_MAX 64

static const struct {
	const char *name, *region_prefix, *domain;
	int in_arns;
} partitions[] = {
        /* longest prefixes first; "aws" (no prefix) last */
        {"aws-us-gov", "us-gov-", "amazonaws.com", 1},
        {"aws-iso-b", "us-isob-", "sc2s.sgov.gov", 0},
        {"aws-iso-f", "us-isof-", "csp.hci.ic.gov", 0},
        {"aws-iso", "us-iso-", "c2s.ic.gov", 0},
        {"aws-iso-e", "eu-isoe-", "cloud.adc-e.uk", 0},
        {"aws-cn", "cn-", "amazonaws.com.cn", 1},
        {"aws", "", "amazonaws.com", 1},
};

#define N_PARTITIONS (sizeof(partitions) / sizeof(partitions[0]))

static int is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

int region_valid(const char *r, size_t len)
{
	size_t i = 2, words = 0;

	if (len < 6 || len > REGION_MAX || !is_lower(r[0]) || !is_lower(r[1]))
		return 0;
	while (i + 1 < len && r[i] == '-' && is_lower(r[i + 1])) {
		for (i++; i < len && is_lower(r[i]); i++)
			;
		words++;
	}
	if (!words || i + 1 >= len || r[i] != '-')
		return 0;
	for (i++; i < len; i++)
		if (r[i] < '0' || r[i] > '9')
			return 0;
	return 1;
}

const char *region_partition(const char *region)
{
	for (size_t i = 0; i < N_PARTITIONS; i++)
		if (strncmp(region, partitions[i].region_prefix,
		            strlen(partitions[i].region_prefix)) == 0)
			return partitions[i].name;
	return "aws";
}

int region_partition_in_arns(const char *p, size_t len)
{
	for (size_t i = 0; i < N_PARTITIONS; i++)
		if (partitions[i].in_arns && strlen(partitions[i].name) == len &&
		    memcmp(partitions[i].name, p, len) == 0)
			return 1;
	return 0;
}

const char *region_partition_domain(const char *partition)
{
	for (size_t i = 0; i < N_PARTITIONS; i++)
		if (strcmp(partition, partitions[i].name) == 0)
			return partitions[i].domain;
	return NULL;
}
