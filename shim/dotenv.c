/* Env files: Docker's `--env-file` lines plus quoting, parsed into an ordered list, and the
 * --print writers (dotenv, shell, json). Values may be secrets: they are built in wiping
 * buffers, wiped on free, and never appear in error messages. */
#include "dotenv.h"

#include "array.h"
#include "env.h"
#include "wipe.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parser state: one pass over the bytes, counting lines. */
struct rd {
	const char *s;
	size_t len, pos;
	int line;
	const char *path;
	struct shim_err *err;
};

static int __attribute__((format(printf, 3, 4)))
rd_fail(const struct rd *r, int line, const char *fmt, ...)
{
	char detail[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	return shim_err_set(r->err, SHIM_EX_DATA, "%s:%d: %s", r->path ? r->path : "(env file)",
	                    line, detail);
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int rd_eof(const struct rd *r)
{
	return r->pos >= r->len;
}

static char rd_peek(const struct rd *r)
{
	if (rd_eof(r))
		return '\0';
	return r->s[r->pos];
}

static void rd_skip_blanks(struct rd *r)
{
	while (!rd_eof(r) && is_blank(r->s[r->pos]))
		r->pos++;
}

/* At the end of a line: CR LF, LF, or the end of the data. Consumes it. */
static int rd_eol(struct rd *r)
{
	if (rd_eof(r))
		return 1;
	if (r->s[r->pos] == '\r' && r->pos + 1 < r->len && r->s[r->pos + 1] == '\n')
		r->pos++;
	if (r->s[r->pos] != '\n')
		return 0;
	r->pos++;
	r->line++;
	return 1;
}

static void rd_skip_line(struct rd *r)
{
	while (!rd_eof(r) && r->s[r->pos] != '\n')
		r->pos++;
	rd_eol(r);
}

/* A NUL byte would silently cut a C string later: refuse the file, naming the line. */
static int check_nul(const struct rd *r)
{
	const char *nul = memchr(r->s, '\0', r->len);
	const char *p;
	int line = 1;

	if (!nul)
		return 0;
	for (p = r->s; p < nul; p++)
		line += *p == '\n';
	return rd_fail(r, line, "NUL byte in the file");
}

/* Value between double quotes; r->pos is just past the opening quote. */
static int read_dquoted(struct rd *r, struct buf *v, int start_line)
{
	static const char from[] = "nrt\"\\$", to[] = "\n\r\t\"\\$";

	while (!rd_eof(r)) {
		char c = r->s[r->pos++];
		const char *e;

		if (c == '"')
			return 0;
		if (c == '\\' && !rd_eof(r) && (e = strchr(from, r->s[r->pos])) && *e) {
			buf_putc(v, to[e - from]);
			r->pos++;
			continue;
		}
		if (c == '\r' && rd_peek(r) == '\n')
			continue;
		if (c == '\n')
			r->line++;
		buf_putc(v, c);
	}
	return rd_fail(r, start_line, "unterminated double quote");
}

static int read_squoted(struct rd *r, struct buf *v, int start_line)
{
	while (!rd_eof(r)) {
		char c = r->s[r->pos++];

		if (c == '\'')
			return 0;
		if (c == '\r' && rd_peek(r) == '\n')
			continue;
		if (c == '\n')
			r->line++;
		buf_putc(v, c);
	}
	return rd_fail(r, start_line, "unterminated single quote");
}

/* An unquoted value that opens a PEM block and does not close it on its line: the block's
 * other lines would read as entries of their own, some as valid names. */
static int pem_unclosed(const char *v, size_t len)
{
	static const char begin[] = "-----BEGIN ", end[] = "-----END ";

	return len >= sizeof(begin) - 1 && memcmp(v, begin, sizeof(begin) - 1) == 0 &&
	       !memmem(v, len, end, sizeof(end) - 1);
}

/* The value after '='; consumes the rest of its last line. */
static int read_value(struct rd *r, struct buf *v, const char *name)
{
	int start_line = r->line;
	size_t end;
	char q = rd_peek(r);

	if (q == '"' || q == '\'') {
		r->pos++;
		if ((q == '"' ? read_dquoted(r, v, start_line) : read_squoted(r, v, start_line)) <
		    0)
			return -1;
		while (!rd_eof(r) && (is_blank(r->s[r->pos]) || r->s[r->pos] == '\r'))
			r->pos++;
		if (rd_peek(r) == '#')
			rd_skip_line(r);
		else if (!rd_eol(r))
			return rd_fail(r, r->line, "text after the closing quote of %s", name);
		return 0;
	}
	end = r->pos;
	while (end < r->len && r->s[end] != '\n')
		end++;
	if (pem_unclosed(r->s + r->pos, end - r->pos))
		return rd_fail(r, start_line,
		               "the PEM block of %s spans lines unquoted (quote the value)", name);
	buf_put(v, r->s + r->pos, end - r->pos);
	while (v->len && (is_blank(v->ptr[v->len - 1]) || v->ptr[v->len - 1] == '\r'))
		v->ptr[--v->len] = '\0';
	r->pos = end;
	rd_eol(r);
	return 0;
}

/* The NAME part: from r->pos to '=' or the end of the line, blanks and `export ` removed. */
static int read_name(struct rd *r, char **name, int *has_eq)
{
	size_t a = r->pos, b;

	while (r->pos < r->len && r->s[r->pos] != '=' && r->s[r->pos] != '\n')
		r->pos++;
	*has_eq = rd_peek(r) == '=';
	b = r->pos;
	if (*has_eq)
		r->pos++;
	while (b > a && (is_blank(r->s[b - 1]) || r->s[b - 1] == '\r'))
		b--;
	if (b - a > 7 && memcmp(r->s + a, "export", 6) == 0 && is_blank(r->s[a + 6])) {
		for (a += 6; is_blank(r->s[a]); a++)
			;
	}
	*name = strndup(r->s + a, b - a);
	return *name ? 0 : shim_err_set(r->err, SHIM_EX_INTERNAL, "out of memory");
}

/* The text of a line that is not an assignment may be a value's stray line (an unquoted PEM
 * body, a base64 fragment): it is never quoted, nor is its length given; the line says where. */
static int check_name(const struct rd *r, const char *name, int line, int has_eq)
{
	if (env_name_valid(name))
		return 0;
	if (!has_eq)
		return rd_fail(r, line,
		               "not NAME=VALUE nor a bare NAME (a value that spans lines "
		               "must be quoted)");
	if (!*name)
		return rd_fail(r, line, "no variable name before '='");
	return rd_fail(r, line,
	               "invalid variable name before '=' (a value that spans lines must be "
	               "quoted)");
}

static int push_entry(struct dotenv *d, size_t *cap, struct dotenv_entry e)
{
	if (ARRAY_GROW(d->v, *cap, d->n + 1) < 0)
		return -1;
	d->v[d->n++] = e;
	return 0;
}

/* One non-blank, non-comment line (or several, for a quoted value). */
static int read_entry(struct rd *r, struct dotenv *d, size_t *cap)
{
	struct dotenv_entry e = {.line = r->line};
	struct buf v = BUF_INIT;
	int has_eq;

	if (read_name(r, &e.name, &has_eq) < 0)
		return -1;
	if (check_name(r, e.name, e.line, has_eq) < 0)
		goto fail;
	if (has_eq && read_value(r, &v, e.name) < 0)
		goto fail;
	if (!has_eq)
		rd_eol(r);
	e.has_value = has_eq;
	buf_grow(&v, 0); /* so an empty value is "" and not NULL */
	e.value = buf_detach(&v);
	if (!e.value || push_entry(d, cap, e) < 0) {
		shim_err_set(r->err, SHIM_EX_INTERNAL, "out of memory");
		goto fail;
	}
	return 0;
fail:
	free(e.name);
	if (e.value)
		wipe(e.value, strlen(e.value));
	free(e.value);
	buf_free(&v);
	return -1;
}

int dotenv_parse(struct dotenv *out, const char *data, size_t len, const char *path,
                 struct shim_err *err)
{
	struct rd r = {data, len, 0, 1, path, err};
	struct dotenv d = {0};
	size_t cap = 0;

	if (check_nul(&r) < 0)
		return -1;
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		r.pos = 3;
	while (!rd_eof(&r)) {
		rd_skip_blanks(&r);
		if (rd_eol(&r))
			continue;
		if (rd_peek(&r) == '#') {
			rd_skip_line(&r);
			continue;
		}
		if (read_entry(&r, &d, &cap) < 0) {
			dotenv_free(&d);
			return -1;
		}
	}
	*out = d;
	return 0;
}

void dotenv_free(struct dotenv *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->n; i++) {
		free(d->v[i].name);
		wipe(d->v[i].value, strlen(d->v[i].value));
		free(d->v[i].value);
	}
	free(d->v);
	d->v = NULL;
	d->n = 0;
}

/* ---- writers ---- */

/* Bare unless a byte would mean something to Docker (blanks, line ends) or to the dotenv
 * readers of other tools (quotes, '\\', '$', '#', '`'). */
static int dotenv_bare_ok(const char *v)
{
	const unsigned char *p;

	for (p = (const unsigned char *)v; *p; p++)
		if (*p <= ' ' || *p == 0x7f || strchr("\"'\\$#`", *p))
			return 0;
	return 1;
}

/* The backslash escapes both quoted writers use (\\ \" \n \r \t), plus those of `more` among
 * \$ (dotenv) and \b \f (JSON); NULL for any other byte. */
static const char *short_escape(unsigned char c, const char *more)
{
	static const char *const esc[128] = {
	        ['\\'] = "\\\\", ['"'] = "\\\"", ['\n'] = "\\n", ['\r'] = "\\r",
	        ['\t'] = "\\t",  ['$'] = "\\$",  ['\b'] = "\\b", ['\f'] = "\\f"};

	if (c == 0 || c >= 128 || !esc[c])
		return NULL;
	return strchr("\\\"\n\r\t", c) || strchr(more, c) ? esc[c] : NULL;
}

static void put_dotenv_value(struct buf *out, const char *v)
{
	const char *p;

	if (dotenv_bare_ok(v)) {
		buf_puts(out, v);
		return;
	}
	buf_putc(out, '"');
	for (p = v; *p; p++) {
		const char *e = short_escape((unsigned char)*p, "$");
		if (e)
			buf_puts(out, e);
		else
			buf_putc(out, *p);
	}
	buf_putc(out, '"');
}

static void put_shell_value(struct buf *out, const char *v)
{
	const char *p;

	buf_putc(out, '\'');
	for (p = v; *p; p++) {
		if (*p == '\'')
			buf_puts(out, "'\\''");
		else
			buf_putc(out, *p);
	}
	buf_putc(out, '\'');
}

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlongs, no surrogates, at most
 * U+10FFFF), or 0 when the byte at s does not start one. */
static size_t utf8_seq_len(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++) /* stops at the terminating NUL: it is not a continuation byte */
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

static void put_json_string(struct buf *out, const char *v)
{
	const unsigned char *p = (const unsigned char *)v;
	const char *e;

	buf_putc(out, '"');
	while (*p) {
		size_t n = utf8_seq_len(p);

		if (n == 0) {
			buf_puts(out, "\xef\xbf\xbd");
			p++;
			continue;
		}
		if (n > 1 || (*p >= 0x20 && *p != 0x7f && *p != '"' && *p != '\\')) {
			buf_put(out, p, n);
			p += n;
			continue;
		}
		if ((e = short_escape(*p, "\b\f")))
			buf_puts(out, e);
		else
			buf_printf(out, "\\u%04x", *p);
		p++;
	}
	buf_putc(out, '"');
}

void dotenv_format_begin(struct buf *out, enum dotenv_format f)
{
	if (f == DOTENV_FMT_JSON)
		buf_putc(out, '{');
}

void dotenv_format_entry(struct buf *out, enum dotenv_format f, const char *name, const char *value,
                         int first)
{
	switch (f) {
	case DOTENV_FMT_DOTENV:
		buf_printf(out, "%s=", name);
		put_dotenv_value(out, value);
		buf_putc(out, '\n');
		break;
	case DOTENV_FMT_SHELL:
		buf_printf(out, "export %s=", name);
		put_shell_value(out, value);
		buf_putc(out, '\n');
		break;
	case DOTENV_FMT_JSON:
		if (!first)
			buf_putc(out, ',');
		put_json_string(out, name);
		buf_putc(out, ':');
		put_json_string(out, value);
		break;
	}
}

void dotenv_format_end(struct buf *out, enum dotenv_format f)
{
	if (f == DOTENV_FMT_JSON)
		buf_puts(out, "}\n");
}
