/* Env files (DESIGN 2 `--env-file`: Docker's syntax plus quoting) read into an ordered list,
 * the --print writers (DESIGN 6: dotenv, shell, json), and the variable-name rule (4.2). */
#ifndef SHIM_DOTENV_H
#define SHIM_DOTENV_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

struct dotenv_entry {
	char *name;    /* valid per env_name_valid */
	char *value;   /* "" when has_value is 0 */
	int line;      /* 1-based line where the entry starts */
	int has_value; /* 0: a bare `NAME` line, "take it from the environment" (Docker) */
};

/* Entries in file order; a name may repeat (the caller decides, normally the last wins). */
struct dotenv {
	struct dotenv_entry *v;
	size_t n;
};

/* Parse len bytes of an env file; path is only used in error messages.
 *
 * Lines: blank lines and lines whose first non-blank byte is '#' are skipped. Otherwise
 * `[export ]NAME=VALUE`, or `[export ]NAME` alone (has_value = 0). Blanks (space, tab) around
 * NAME are trimmed; NAME must be valid (env_name_valid). A UTF-8 byte-order mark at the start
 * and CR before LF (CRLF files) are ignored.
 * VALUE, when its first byte (right after '=') is not a quote, is taken literally to the end of
 * the line as Docker does: blanks after '=' are kept, '#', '$', '\' and quotes inside are
 * ordinary bytes (no inline comments, no expansion); only trailing blanks are trimmed.
 * `"..."`: escapes \n \r \t \" \\ \$; any other backslash is kept as is; may span lines.
 * `'...'`: literal, no escapes; may span lines. In both, CRLF inside the value reads as LF.
 * After a closing quote only blanks and an optional `#` comment may follow.
 *
 * Returns 0 and fills *out (the caller dotenv_free()s it), or -1 with err = SHIM_EX_DATA and
 * `PATH:LINE: what` (invalid variable name, unterminated quote, text after a closing quote,
 * NUL byte, an unquoted value that opens a PEM block `-----BEGIN ` without its `-----END `
 * on the same line); messages name variables, never values: the text of a line that is not
 * an assignment (a value's stray line) is neither quoted nor measured. *out is untouched on
 * failure. */
int dotenv_parse(struct dotenv *out, const char *data, size_t len, const char *path,
                 struct shim_err *err);

/* Wipe the values and free everything; safe on a zeroed struct and on NULL. */
void dotenv_free(struct dotenv *d);

/* --print writers. For each format: begin, then entry for each variable (first = 1 for the
 * first one), then end; output is appended to out (check buf_oom once at the end). NAME must
 * be valid (env_name_valid); VALUE is any C string.
 *   DOTENV: `NAME=VALUE` lines. A value without blanks, control characters, quotes, '\',
 *           '$', '#' or '`' is written bare (URLs and most tokens are), as Docker reads it;
 *           any other is written `"..."` with \\ \" \$ \n \r \t escapes, which dotenv_parse
 *           reads back to the same bytes (Docker does not understand quotes at all).
 *   SHELL:  `export NAME='...'` lines, ' written as '\'': safe for `eval`.
 *   JSON:   one object `{"NAME":"VALUE",...}` and a newline. Control characters are escaped
 *           (\n \r \t \b \f, else \u00XX, and \u007f); valid UTF-8 passes through; each byte
 *           that is not part of a valid UTF-8 sequence becomes U+FFFD (as Go's encoding/json
 *           does), since JSON text must be UTF-8. */
enum dotenv_format { DOTENV_FMT_DOTENV, DOTENV_FMT_SHELL, DOTENV_FMT_JSON };

void dotenv_format_begin(struct buf *out, enum dotenv_format f);
void dotenv_format_entry(struct buf *out, enum dotenv_format f, const char *name, const char *value,
                         int first);
void dotenv_format_end(struct buf *out, enum dotenv_format f);

#endif
