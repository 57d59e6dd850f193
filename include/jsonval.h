/* JSON keys of secrets (DESIGN 4.2): a secret string parsed as a JSON object, one top-level key
 * (or every key, for --secret-json) rendered as a variable value. Uses jansson. */
#ifndef SHIM_JSONVAL_H
#define SHIM_JSONVAL_H

#include <stddef.h>

#include "err.h"

struct json_t;

/* Make jansson wipe every block it frees: its allocations are prefixed with their size, and
 * the free function explicit_bzero()s the block before free(). Parsed secrets, jansson's
 * scratch buffers and response bodies parsed anywhere in the process are covered.
 * jansson's allocator is global: call this once, before the first jansson call of the process
 * (a block from plain malloc must never reach the wiping free); later calls do nothing.
 * Not thread-safe with concurrent jansson use; the resolver calls it first thing in main. */
void jsonval_init_allocator(void);

/* Render the value of top-level key `key` of the JSON object in json[0..len) (no NUL needed):
 *   a string     -> its text as is (escapes decoded);
 *   a number     -> its JSON text exactly as written ("1.0", "1e3", "-0",
 *                   "12345678901234567890"): jansson keeps no digits, so the value's text is
 *                   found in json (the last member of that name, as jansson keeps) and copied;
 *   true/false/null -> "true", "false", "null";
 *   object/array -> compact JSON from its text: blanks between tokens dropped, numbers as
 *                   written, members in their order (a repeated key inside is kept as
 *                   written), strings re-escaped as jsonval_dump writes them (UTF-8, only '"',
 *                   '\\' and control bytes escaped; a NUL inside nested strings is \u0000).
 * Returns 0 and sets *out to a malloc'd NUL-terminated copy (the caller wipes and frees it),
 * or -1 with err = SHIM_EX_UNRESOLVED (78) when the text is not a JSON object (a key with a
 * NUL byte anywhere makes it one jansson refuses; so does a number beyond a double's range),
 * the key is missing, or its value is a string with a NUL byte (refused, never truncated);
 * 70 on OOM. *out is set only on success. Messages name the secret (secret_name) and the
 * key, never the secret's contents nor a position inside a line: a broken object gets its
 * line and a fixed description (jsonval_error_what; the column only at debug level), a text
 * that is not an object at all only its JSON type. */
int jsonval_get(char **out, const char *json, size_t len, const char *key, const char *secret_name,
                struct shim_err *err);

/* Called once per top-level key, in the object's order, with the value rendered as by
 * jsonval_get. Both strings are only valid during the call (the value is wiped after it).
 * Return 0 to go on, or a negative value (after filling err) to stop. */
typedef int (*jsonval_key_fn)(void *ctx, const char *key, const char *value, struct shim_err *err);

/* --secret-json imports: every top-level key of the JSON object in json[0..len). Keys are
 * passed as they are (the caller checks env_name_valid and skips others with a warning).
 * Returns 0; the callback's negative value when it stopped; or -1 with err = 78 when the text
 * is not a JSON object, or when a key or a top-level string value contains a NUL byte (the
 * whole secret is refused, naming the key when it can, before fn is called at all). */
int jsonval_each_key(const char *json, size_t len, const char *secret_name, jsonval_key_fn fn,
                     void *ctx, struct shim_err *err);

/* A fixed description of a jansson parse error (json_error_code()): jansson's own text quotes
 * the input near the fault, which may be a value, so no message may carry it. Static. */
const char *jsonval_error_what(int code);

/* Compact JSON text of v, from jansson's values (a string value is quoted here): key order
 * kept, integers as decimal digits, reals as the shortest digits that read back as the same
 * double (plain notation for 1e-6 <= |x| < 1e21, else an exponent: 1.0 -> "1", 1e21 ->
 * "1e+21"), strings in UTF-8 with only '"', '\\' and
 * control bytes escaped. The offline store keeps a secret given as JSON in this form.
 * 0 with *out a malloc'd NUL-terminated copy (the caller wipes and frees it) and *len its
 * length, or -1 on OOM; outputs set only on success. */
int jsonval_dump(char **out, size_t *len, const struct json_t *v);

#endif
