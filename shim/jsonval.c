/* JSON keys of secrets (DESIGN 4.2): parse a secret string with jansson, render one key or all
 * keys as variable values, and a jansson allocator that wipes what it frees. Messages name the
 * secret and the key, never anything from the secret's contents but key names. */
#include "jsonval.h"

#include "buf.h"
#include "log.h"
#include "sanitize.h"
#include "wipe.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHOWN_MAX  100 /* bytes of a key or name shown in a message */
#define KEY_SHOWN  40  /* bytes of each existing key listed when the asked one is missing */
#define KEYS_SHOWN 12  /* existing keys listed at most */
#define KEYS_TEXT  240 /* bytes of that list at most */

/* ---- wiping allocator: jansson's free gets no size, so each block carries it in front ---- */

union alloc_hdr {
	max_align_t align; /* keeps the block after the header aligned for any type */
	size_t size;
};

static void *wipe_malloc(size_t n)
{
	union alloc_hdr *h;

	if (n > SIZE_MAX - sizeof(*h))
		return NULL;
	h = malloc(sizeof(*h) + n);
	if (!h)
		return NULL;
	h->size = n;
	return h + 1;
}

static void json_wipe_free(void *p)
{
	union alloc_hdr *h;

	if (!p)
		return;
	h = (union alloc_hdr *)p - 1;
	wipe(h, sizeof(*h) + h->size);
	free(h);
}

void jsonval_init_allocator(void)
{
	static int done;

	if (done)
		return;
	json_set_alloc_funcs(wipe_malloc, json_wipe_free);
	done = 1;
}

/* ---- messages ---- */

/* A key or name for a message: printable ASCII as is, other bytes \xNN, cut with "...". */
/* `secret "NAME": ` + what; key may be NULL. */
static int fail(struct shim_err *err, int status, const char *secret, const char *key,
                const char *what)
{
	char n[SHOWN_MAX + 16], k[SHOWN_MAX + 16];

	secret = secret ? secret : "?";
	sanitize_quote(n, sizeof(n), secret, strlen(secret), SHOWN_MAX);
	if (!key)
		return shim_err_set(err, status, "secret \"%s\": %s", n, what);
	return shim_err_set(err, status, "secret \"%s\": key \"%s\" %s", n,
	                    sanitize_quote(k, sizeof(k), key, strlen(key), SHOWN_MAX), what);
}

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_ARRAY:
		return "a JSON array";
	case JSON_STRING:
		return "a JSON string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a JSON number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a JSON boolean";
	case JSON_NULL:
		return "JSON null";
	default:
		return "a JSON object";
	}
}

static int looks_like_object(const char *json, size_t len)
{
	size_t i = 0;

	while (i < len && strchr(" \t\r\n", json[i]) && json[i])
		i++;
	return i < len && json[i] == '{';
}

const char *jsonval_error_what(int code)
{
	switch (code) {
	case json_error_out_of_memory:
		return "out of memory";
	case json_error_stack_overflow:
		return "nested too deeply";
	case json_error_invalid_utf8:
		return "invalid UTF-8";
	case json_error_premature_end_of_input:
		return "unexpected end of the text";
	case json_error_end_of_input_expected:
		return "text after the end of the document";
	case json_error_null_character:
		return "a NUL byte";
	case json_error_null_byte_in_key:
		return "a NUL byte in a key";
	case json_error_duplicate_key:
		return "a duplicate key";
	case json_error_numeric_overflow:
		return "a number out of range";
	default:
		return "invalid syntax";
	}
}

/* Parse json as an object. key is only for the message (NULL: all keys were asked for).
 * jansson's values serve for strings and types; numbers are read from the text (find_value),
 * so an integer beyond 64 bits may make jansson read them all as reals. */
static int load_object(json_t **out, const char *json, size_t len, const char *secret,
                       const char *key, struct shim_err *err)
{
	const size_t flags = JSON_DECODE_ANY | JSON_ALLOW_NUL;
	const char *asked = key ? "asked for, but the secret" : "cannot be imported: the secret";
	json_error_t jerr;
	json_t *root;
	char what[160];

	/* jansson skips a raw NUL byte between tokens, which no JSON text holds: refused, so the
	 * text read back for numbers is the text jansson read */
	if (memchr(json, '\0', len)) {
		snprintf(what, sizeof(what), "%s is not %s (a NUL byte in the text)", asked,
		         looks_like_object(json, len) ? "valid JSON" : "JSON");
		return fail(err, SHIM_EX_UNRESOLVED, secret, key, what);
	}
	root = json_loadb(json, len, flags, &jerr);
	if (!root && json_error_code(&jerr) == json_error_numeric_overflow)
		root = json_loadb(json, len, flags | JSON_DECODE_INT_AS_REAL, &jerr);
	if (!root && json_error_code(&jerr) == json_error_out_of_memory)
		return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
	if (!root && json_error_code(&jerr) == json_error_null_byte_in_key) {
		snprintf(what, sizeof(what), "%s has a key with a NUL byte", asked);
		return fail(err, SHIM_EX_UNRESOLVED, secret, key, what);
	}
	if (!root) {
		/* jerr.text quotes the input near the fault, and a column (or, for a plain
		 * string, any position) would tell a value's length: only a broken object gets
		 * its line and a fixed description; the column waits for debug level. */
		if (looks_like_object(json, len)) {
			snprintf(what, sizeof(what), "%s is not valid JSON (line %d: %s)", asked,
			         jerr.line, jsonval_error_what(json_error_code(&jerr)));
			log_debug("secret %s: the JSON error is at line %d, column %d",
			          secret ? secret : "?", jerr.line, jerr.column);
		} else {
			snprintf(what, sizeof(what), "%s is not JSON", asked);
		}
		return fail(err, SHIM_EX_UNRESOLVED, secret, key, what);
	}
	if (!json_is_object(root)) {
		snprintf(what, sizeof(what), "%s is %s, not an object", asked, type_name(root));
		json_decref(root);
		return fail(err, SHIM_EX_UNRESOLVED, secret, key, what);
	}
	*out = root;
	return 0;
}

/* ---- the source text: jansson keeps no number's digits, so non-string values are copied
 * from the text jansson accepted; these scanners assume valid JSON but stay in bounds ---- */

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static size_t skip_ws(const char *s, size_t len, size_t i)
{
	while (i < len && is_ws(s[i]))
		i++;
	return i;
}

/* i at an opening quote: the index after the closing one (len when there is none). */
static size_t skip_string(const char *s, size_t len, size_t i)
{
	for (i++; i < len; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '"')
			return i + 1;
	}
	return len;
}

/* i at a value: the index after it. */
static size_t skip_value(const char *s, size_t len, size_t i)
{
	size_t depth = 0;

	if (i < len && s[i] == '"')
		return skip_string(s, len, i);
	if (i < len && (s[i] == '{' || s[i] == '[')) {
		for (; i < len; i++) {
			if (s[i] == '"')
				i = skip_string(s, len, i) - 1;
			else if (s[i] == '{' || s[i] == '[')
				depth++;
			else if ((s[i] == '}' || s[i] == ']') && --depth == 0)
				return i + 1;
		}
		return len;
	}
	while (i < len && !is_ws(s[i]) && s[i] != ',' && s[i] != '}' && s[i] != ']')
		i++;
	return i;
}

/* Whether the string token tok (quotes included) reads as key[0..key_len). */
static int key_matches(const char *tok, size_t tok_len, const char *key, size_t key_len)
{
	json_t *k;
	int eq;

	if (!memchr(tok, '\\', tok_len))
		return tok_len == key_len + 2 && memcmp(tok + 1, key, key_len) == 0;
	k = json_loadb(tok, tok_len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	eq = json_is_string(k) && json_string_length(k) == key_len &&
	     memcmp(json_string_value(k), key, key_len) == 0;
	json_decref(k);
	return eq;
}

/* A piece of the text. */
struct span {
	const char *p;
	size_t len;
};

/* A cursor over the members of the top-level object. */
struct members {
	const char *s;
	size_t len, i;
};

/* At the first member; 0 when the text is not an object. */
static int members_start(struct members *m, const char *s, size_t len)
{
	size_t i = skip_ws(s, len, 0);

	m->s = s;
	m->len = len;
	m->i = len;
	if (i >= len || s[i] != '{')
		return 0;
	m->i = skip_ws(s, len, i + 1);
	return 1;
}

/* The next member: its key token (quotes included) and its value's text; 0 at the end. */
static int members_next(struct members *m, struct span *key, struct span *val)
{
	const char *s = m->s;
	size_t len = m->len, i = m->i, k_end, v;

	if (i >= len || s[i] != '"')
		return 0;
	k_end = skip_string(s, len, i);
	*key = (struct span){s + i, k_end - i};
	i = skip_ws(s, len, k_end);
	if (i >= len || s[i] != ':')
		return 0;
	v = skip_ws(s, len, i + 1);
	i = skip_value(s, len, v);
	*val = (struct span){s + v, i - v};
	i = skip_ws(s, len, i);
	m->i = i < len && s[i] == ',' ? skip_ws(s, len, i + 1) : len;
	return 1;
}

/* The text of the value of the top-level key: the last member of that name, the one jansson
 * keeps. 1 when found. */
static int find_value(struct span *out, const char *s, size_t len, const char *key, size_t key_len)
{
	struct members m;
	struct span k, v;
	int found = 0;

	members_start(&m, s, len);
	while (members_next(&m, &k, &v))
		if (key_matches(k.p, k.len, key, key_len)) {
			*out = v;
			found = 1;
		}
	return found;
}

static size_t count_members(const char *s, size_t len)
{
	struct members m;
	struct span k, v;
	size_t n = 0;

	members_start(&m, s, len);
	while (members_next(&m, &k, &v))
		n++;
	return n;
}

/* ---- rendering ---- */

/* Shortest digits that read back as d; plain notation for 1e-6 <= |d| < 1e21, else an
 * exponent: what JavaScript and Go's encoding/json print. */
static void put_real(struct buf *b, double d)
{
	char e[40], *x;
	int p, exp10, decimals;

	for (p = 1; p < 17; p++) {
		snprintf(e, sizeof(e), "%.*e", p - 1, d);
		if (strtod(e, NULL) == d)
			break;
	}
	snprintf(e, sizeof(e), "%.*e", p - 1, d);
	x = strchr(e, 'e');
	exp10 = (int)strtol(x + 1, NULL, 10);
	if (d == 0 || (exp10 >= -6 && exp10 < 21)) {
		decimals = p - 1 - exp10;
		buf_printf(b, "%.*f", decimals > 0 ? decimals : 0, d);
		return;
	}
	/* "1.5e-07" -> "1.5e-7", "1e+21" stays */
	buf_put(b, e, (size_t)(x - e) + 2);
	x += 2;
	while (*x == '0' && x[1])
		x++;
	buf_puts(b, x);
}

static void put_json_string(struct buf *b, const char *s, size_t len)
{
	size_t i;

	buf_putc(b, '"');
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '"':
			buf_puts(b, "\\\"");
			break;
		case '\\':
			buf_puts(b, "\\\\");
			break;
		case '\n':
			buf_puts(b, "\\n");
			break;
		case '\r':
			buf_puts(b, "\\r");
			break;
		case '\t':
			buf_puts(b, "\\t");
			break;
		case '\b':
			buf_puts(b, "\\b");
			break;
		case '\f':
			buf_puts(b, "\\f");
			break;
		default:
			if (c < 0x20)
				buf_printf(b, "\\u%04x", c);
			else
				buf_putc(b, (char)c);
		}
	}
	buf_putc(b, '"');
}

static void put_scalar(struct buf *b, const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_INTEGER:
		buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		put_real(b, json_real_value(v));
		break;
	case JSON_TRUE:
		buf_puts(b, "true");
		break;
	case JSON_FALSE:
		buf_puts(b, "false");
		break;
	default:
		buf_puts(b, "null");
		break;
	}
}

/* Compact JSON; depth is bounded by jansson's parser (2048). */
static void put_compact(struct buf *b, json_t *v)
{
	size_t i;
	void *it;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		buf_putc(b, '{');
		for (it = json_object_iter(v); it; it = json_object_iter_next(v, it)) {
			if (it != json_object_iter(v))
				buf_putc(b, ',');
			put_json_string(b, json_object_iter_key(it), json_object_iter_key_len(it));
			buf_putc(b, ':');
			put_compact(b, json_object_iter_value(it));
		}
		buf_putc(b, '}');
		break;
	case JSON_ARRAY:
		buf_putc(b, '[');
		for (i = 0; i < json_array_size(v); i++) {
			if (i)
				buf_putc(b, ',');
			put_compact(b, json_array_get(v, i));
		}
		buf_putc(b, ']');
		break;
	case JSON_STRING:
		put_json_string(b, json_string_value(v), json_string_length(v));
		break;
	default:
		put_scalar(b, v);
	}
}

int jsonval_dump(char **out, size_t *len, const struct json_t *v)
{
	struct buf b = BUF_INIT;

	put_compact(&b, (json_t *)v);
	buf_grow(&b, 0);
	if (buf_oom(&b)) {
		buf_free(&b);
		return -1;
	}
	*len = b.len;
	*out = buf_detach(&b);
	return 0;
}

/* An object or array as compact JSON from its text: blanks between tokens dropped, numbers as
 * written, strings as put_json_string writes them (an escaped one decoded and re-escaped). */
static int put_text_compact(struct buf *b, const char *s, size_t len)
{
	for (size_t i = 0, e; i < len; i = e) {
		json_t *str;

		if (s[i] != '"') {
			if (!is_ws(s[i]))
				buf_putc(b, s[i]);
			e = i + 1;
			continue;
		}
		e = skip_string(s, len, i);
		if (!memchr(s + i, '\\', e - i)) {
			buf_put(b, s + i, e - i);
			continue;
		}
		str = json_loadb(s + i, e - i, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
		if (!json_is_string(str)) {
			json_decref(str);
			return -1;
		}
		put_json_string(b, json_string_value(str), json_string_length(str));
		json_decref(str);
	}
	return 0;
}

/* The variable value for v into b (which ends up non-NULL, NUL-terminated): a string from
 * jansson, anything else from its text. */
static int render(struct buf *b, json_t *v, struct span text, const char *secret, const char *key,
                  struct shim_err *err)
{
	if (json_is_string(v)) {
		if (strlen(json_string_value(v)) != json_string_length(v))
			return fail(err, SHIM_EX_UNRESOLVED, secret, key,
			            "has a value with a NUL byte, which no environment variable "
			            "can hold");
		buf_put(b, json_string_value(v), json_string_length(v));
	} else if (json_is_object(v) || json_is_array(v)) {
		if (put_text_compact(b, text.p, text.len) < 0)
			return fail(err, SHIM_EX_INTERNAL, secret, key, "cannot be read back");
	} else {
		buf_put(b, text.p, text.len);
	}
	buf_grow(b, 0);
	if (buf_oom(b))
		return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
	return 0;
}

/* "not found (the secret's keys: \"A\", \"B\")": the key names only, quoted as names are,
 * at most KEYS_SHOWN of them and KEYS_TEXT bytes, so a typo can be seen for what it is. */
static void missing_key(char *out, size_t size, json_t *root)
{
	size_t n = json_object_size(root), shown = 0, used;
	const char *k;
	json_t *v;

	used = (size_t)snprintf(out, size, "not found (the secret's %s",
	                        n ? "keys:" : "object is empty");
	json_object_foreach(root, k, v)
	{
		char q[KEY_SHOWN + 16];
		(void)v;
		if (shown == KEYS_SHOWN || used >= KEYS_TEXT || used >= size)
			break;
		sanitize_quote(q, sizeof(q), k, strlen(k), KEY_SHOWN);
		used += (size_t)snprintf(out + used, size - used, "%s \"%s\"", shown ? "," : "", q);
		shown++;
	}
	if (used < size)
		snprintf(out + used, size - used, "%s)", shown < n ? ", ..." : "");
}

int jsonval_get(char **out, const char *json, size_t len, const char *key, const char *secret_name,
                struct shim_err *err)
{
	struct buf b = BUF_INIT;
	json_t *root = NULL, *v;
	struct span text;
	int rc = -1;

	key = key ? key : "";
	if (load_object(&root, json, len, secret_name, key, err) < 0)
		return -1;
	v = json_object_get(root, key);
	if (!v) {
		char what[KEYS_TEXT + KEY_SHOWN + 64];
		missing_key(what, sizeof(what), root);
		fail(err, SHIM_EX_UNRESOLVED, secret_name, key, what);
		goto out;
	}
	if (!find_value(&text, json, len, key, strlen(key))) {
		fail(err, SHIM_EX_INTERNAL, secret_name, key, "cannot be found in the text");
		goto out;
	}
	if (render(&b, v, text, secret_name, key, err) < 0)
		goto out;
	*out = buf_detach(&b);
	rc = 0;
out:
	buf_free(&b);
	json_decref(root);
	return rc;
}

/* A top-level string with a NUL byte refuses the whole secret before any key is passed on. */
static int check_no_nul(json_t *root, const char *secret, struct shim_err *err)
{
	const char *key;
	json_t *v;

	json_object_foreach(root, key, v)
	{
		if (json_is_string(v) && strlen(json_string_value(v)) != json_string_length(v))
			return fail(err, SHIM_EX_UNRESOLVED, secret, key,
			            "has a value with a NUL byte, which no environment variable "
			            "can hold");
	}
	return 0;
}

/* Each key's text: the members in the text's order are jansson's when no key repeats; else
 * (or when they disagree) the key is looked up. 1 when found. */
static int each_value(struct span *out, struct members *m, int repeats, const char *key,
                      size_t key_len)
{
	struct span k;

	if (!repeats && members_next(m, &k, out) && key_matches(k.p, k.len, key, key_len))
		return 1;
	return find_value(out, m->s, m->len, key, key_len);
}

int jsonval_each_key(const char *json, size_t len, const char *secret_name, jsonval_key_fn fn,
                     void *ctx, struct shim_err *err)
{
	struct buf b = BUF_INIT;
	struct members m;
	json_t *root = NULL;
	int rc, repeats;
	void *it;

	if (load_object(&root, json, len, secret_name, NULL, err) < 0)
		return -1;
	rc = check_no_nul(root, secret_name, err);
	repeats = count_members(json, len) != json_object_size(root);
	members_start(&m, json, len);
	for (it = json_object_iter(root); it && rc == 0; it = json_object_iter_next(root, it)) {
		const char *key = json_object_iter_key(it); /* jansson refuses NUL in keys */
		struct span text;

		buf_clear(&b);
		if (!each_value(&text, &m, repeats, key, json_object_iter_key_len(it)))
			rc = fail(err, SHIM_EX_INTERNAL, secret_name, key,
			          "cannot be found in the text");
		else
			rc = render(&b, json_object_iter_value(it), text, secret_name, key, err);
		if (rc == 0)
			rc = fn(ctx, key, b.ptr, err);
	}
	buf_free(&b);
	json_decref(root);
	return rc;
}
