/* --explain[=json]: for every variable of a mapping, the source that won and each source it
 * overrode (DESIGN 4.1's terms: environment, env file, task definition environment, secrets,
 * import), with the reference of a fetched one; never a value. */
#ifndef SHIM_EXPLAIN_H
#define SHIM_EXPLAIN_H

#include "buf.h"
#include "mapping.h"
#include "opts.h"

/* The report, appended to out: the mapping's variables in its order, then the names a plain
 * inherited value set (overriding some mapped entry), in the order they were kept out.
 *   EXPLAIN_TEXT: a NAME, SOURCE, OVERRODE (", "-separated, or "-"), REFERENCE ("-") table.
 *   EXPLAIN_JSON: an array of {"name", "source", "reference" (fetched ones only),
 *                 "overridden": [sources, in precedence order]}, indented, then a newline.
 * A reference is mapping_describe_ref's ("secret NAME:KEY:: (REGION)"), or for an imported
 * variable the import ("--ssm-path /app/config"). -1 only on OOM. */
int explain_format(struct buf *out, const struct mapping *m, enum explain_format f);

#endif
