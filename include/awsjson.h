/* JSON 1.1 bodies shared by the Secrets Manager and SSM modules: strict member access with
 * one-line errors naming operation and member, never a value. Pure: jansson only, no HTTP, no
 * clock. Failures return -1 (or NULL) with the caller's struct shim_err filled, never printed. */
#ifndef SHIM_AWSJSON_H
#define SHIM_AWSJSON_H

#include <jansson.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"

/* Where a member is: the operation ("GetSecretValue"), a prefix such as "SecretValues[3]."
 * ("" at the top level; the caller sets and resets it around array elements) and the error
 * to fill. */
struct awsjson_where {
	const char *op;
	char at[40];
	struct shim_err *err;
};

/* ---- requests ---- */

/* Set member key of o to the string s or, when o is an array, append s (key then only names
 * it in messages). Return -1 with err: 65 "OP: a KEY is not valid UTF-8" (no JSON text can
 * carry s), 70 when out of memory or s is NULL (a caller's bug; callers that name the missing
 * thing check first). o stays the caller's to free whatever the result. */
int awsjson_add_string(json_t *o, const char *key, const char *s, const char *op,
                       struct shim_err *err);

/* Append obj as compact JSON to out, and free obj whatever the result. The text goes straight
 * into out, never through a string of jansson's that would outlive the call. -1 with err 70
 * "OP: out of memory" (and out's sticky OOM flag set) on failure. */
int awsjson_dump(struct buf *out, json_t *obj, const char *op, struct shim_err *err);

/* ---- responses ---- */

/* body[0..len) (no NUL needed) as a JSON object, duplicate keys refused, owned by the caller
 * (json_decref). NULL with w->err: 69 "OP: the response is not valid JSON" / "... not a JSON
 * object", 70 when out of memory. jansson's own text is never shown: it quotes the input. */
json_t *awsjson_load(struct awsjson_where *w, const char *body, size_t len);

/* Record 69 "OP: response member ATMEMBER WHAT" (WHAT such as "is not a string"); return -1. */
int awsjson_malformed(struct awsjson_where *w, const char *member, const char *what);

/* Record 69 for the object at w->at itself: "OP: response member Errors[2] WHAT", or
 * "OP: the response WHAT" at the top level; return -1. */
int awsjson_malformed_object(struct awsjson_where *w, const char *what);

/* Record 70 "OP: out of memory"; return -1. */
int awsjson_no_memory(struct awsjson_where *w);

/* Member key of o as a malloc'd, NUL-terminated copy in *out (the caller frees it), or NULL
 * when absent or JSON null (then -1 if required). nul_ok: the member is a value, kept whole
 * with its length in *len (len may be NULL); any other member holding a NUL is refused, since
 * it would make a name compare equal to a shorter one. *out is NULL on failure. */
int awsjson_get_string(struct awsjson_where *w, json_t *o, const char *key, int required,
                       int nul_ok, char **out, size_t *len);

/* Member key of o, an array of strings without NUL bytes, as a malloc'd array of malloc'd
 * copies in *out (one slot spare, NULL), *n counting those made so far: on failure too the
 * caller frees what is there. Absent or null: 0, *out and *n untouched. An element that is not
 * such a string is "OP: response member ATKEY WHAT". */
int awsjson_get_strings(struct awsjson_where *w, json_t *o, const char *key, const char *what,
                        char ***out, size_t *n);

#endif
