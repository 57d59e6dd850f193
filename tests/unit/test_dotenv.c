/* Tests of env files: Docker's line syntax, quoting, errors with file:line, and the --print
 * writers, including round trips through dotenv_parse, /bin/sh eval and a JSON parser. */
#include "unit.h"
#include "dotenv.h"
#include "env.h"

#include <jansson.h>
#include <stdlib.h>
#include <unistd.h>

static int parse(struct dotenv *d, const char *text, struct shim_err *err)
{
	return dotenv_parse(d, text, strlen(text), "app.env", err);
}

/* Entry i has this name, value and line (has_value 1). */
static int entry_is(const struct dotenv *d, size_t i, const char *name, const char *value, int line)
{
	if (i >= d->n) {
		fprintf(stderr, "  no entry %zu (n=%zu)\n", i, d->n);
		return 0;
	}
	if (strcmp(d->v[i].name, name) != 0 || strcmp(d->v[i].value, value) != 0 ||
	    d->v[i].line != line || !d->v[i].has_value) {
		fprintf(stderr, "  entry %zu: %s=[%s] line %d has_value %d\n", i, d->v[i].name,
		        d->v[i].value, d->v[i].line, d->v[i].has_value);
		return 0;
	}
	return 1;
}

static int fails_with(const char *text, const char *msg)
{
	struct dotenv d = {0};
	struct shim_err err = {0};

	if (parse(&d, text, &err) == 0) {
		dotenv_free(&d);
		fprintf(stderr, "  accepted: [%s]\n", text);
		return 0;
	}
	if (err.status != SHIM_EX_DATA || strcmp(err.msg, msg) != 0 || d.v != NULL) {
		fprintf(stderr, "  [%d] %s\n  wanted %s\n", err.status, err.msg, msg);
		return 0;
	}
	return 1;
}

static void test_name_valid(void)
{
	CHECK(env_name_valid("A"));
	CHECK(env_name_valid("_"));
	CHECK(env_name_valid("DATABASE_URL"));
	CHECK(env_name_valid("a1_b2"));
	CHECK(!env_name_valid(""));
	CHECK(!env_name_valid(NULL));
	CHECK(!env_name_valid("1X"));
	CHECK(!env_name_valid("A-B"));
	CHECK(!env_name_valid("A B"));
	CHECK(!env_name_valid("A.B"));
	CHECK(!env_name_valid("\xc3\xa9"));
}

static void test_basic_lines(void)
{
	struct dotenv d = {0};
	struct shim_err err = {0};
	const char *text = "# comment\n"
	                   "\n"
	                   "   \t\n"
	                   "A=1\n"
	                   "  # indented comment\n"
	                   "  B  =  two words  \t\n"
	                   "export C=3\n"
	                   "export\tD=x=y\n"
	                   "HOME\n"
	                   "  export   E\n"
	                   "F=\n"
	                   "G=#not a comment\n"
	                   "H=a # not a comment either\n"
	                   "I=$HOME/x\\y 'q' \"dq\"\n"
	                   "export=kw\n"
	                   "A=again";

	CHECK_INT(parse(&d, text, &err), 0);
	CHECK_INT(d.n, 12);
	CHECK(entry_is(&d, 0, "A", "1", 4));
	CHECK(entry_is(&d, 1, "B", "  two words", 6)); /* Docker keeps blanks after '=' */
	CHECK(entry_is(&d, 2, "C", "3", 7));
	CHECK(entry_is(&d, 3, "D", "x=y", 8));
	CHECK(d.n > 5 && strcmp(d.v[4].name, "HOME") == 0 && !d.v[4].has_value &&
	      strcmp(d.v[4].value, "") == 0 && d.v[4].line == 9);
	CHECK(d.n > 5 && strcmp(d.v[5].name, "E") == 0 && !d.v[5].has_value);
	CHECK(entry_is(&d, 6, "F", "", 11));
	CHECK(entry_is(&d, 7, "G", "#not a comment", 12));
	CHECK(entry_is(&d, 8, "H", "a # not a comment either", 13));
	CHECK(entry_is(&d, 9, "I", "$HOME/x\\y 'q' \"dq\"", 14));
	CHECK(entry_is(&d, 10, "export", "kw", 15));
	CHECK(entry_is(&d, 11, "A", "again", 16)); /* duplicates kept, in order */
	dotenv_free(&d);
	CHECK(d.v == NULL && d.n == 0);
}

static void test_quotes(void)
{
	struct dotenv d = {0};
	struct shim_err err = {0};
	const char *text = "A=\"a\\nb\\tc\\\"d\\\\e\\$f\\rg\"\n"
	                   "B='a\\nb $X \"q\"'\n"
	                   "C=\"unknown \\q \\x kept\"\n"
	                   "D=\"multi\n"
	                   "line\n"
	                   "\"\n"
	                   "E='single\n"
	                   "multi'\n"
	                   "F=\"\"\n"
	                   "G=''\n"
	                   "H=\"x\"   # comment\n"
	                   "I='y'\t\n"
	                   "J=\"# in quotes\" #c\n"
	                   "K=\" keep  \"\n"
	                   "L=\"=\"\n"
	                   "M=\"it's\"\n"
	                   "N='say \"hi\"'\n"
	                   "O=\"back\\\\\"\n";

	CHECK_INT(parse(&d, text, &err), 0);
	CHECK(entry_is(&d, 0, "A", "a\nb\tc\"d\\e$f\rg", 1));
	CHECK(entry_is(&d, 1, "B", "a\\nb $X \"q\"", 2));
	CHECK(entry_is(&d, 2, "C", "unknown \\q \\x kept", 3));
	CHECK(entry_is(&d, 3, "D", "multi\nline\n", 4));
	CHECK(entry_is(&d, 4, "E", "single\nmulti", 7));
	CHECK(entry_is(&d, 5, "F", "", 9));
	CHECK(entry_is(&d, 6, "G", "", 10));
	CHECK(entry_is(&d, 7, "H", "x", 11));
	CHECK(entry_is(&d, 8, "I", "y", 12));
	CHECK(entry_is(&d, 9, "J", "# in quotes", 13));
	CHECK(entry_is(&d, 10, "K", " keep  ", 14));
	CHECK(entry_is(&d, 11, "L", "=", 15));
	CHECK(entry_is(&d, 12, "M", "it's", 16));
	CHECK(entry_is(&d, 13, "N", "say \"hi\"", 17));
	CHECK(entry_is(&d, 14, "O", "back\\", 18));
	CHECK_INT(d.n, 15);
	dotenv_free(&d);
}

static void test_quote_only_first_byte(void)
{
	struct dotenv d = {0};
	struct shim_err err = {0};

	/* A quote opens a quoted value only right after '='; elsewhere it is a plain byte. */
	CHECK_INT(parse(&d, "A= \"x\"\nB=x\"y\"\nC=don't\n", &err), 0);
	CHECK(entry_is(&d, 0, "A", " \"x\"", 1));
	CHECK(entry_is(&d, 1, "B", "x\"y\"", 2));
	CHECK(entry_is(&d, 2, "C", "don't", 3));
	dotenv_free(&d);
}

static void test_crlf_bom(void)
{
	struct dotenv d = {0};
	struct shim_err err = {0};
	const char *text = "\xef\xbb\xbf# windows\r\n"
	                   "A=1\r\n"
	                   "B=\"x\"\r\n"
	                   "C=\"l1\r\nl2\"\r\n"
	                   "D='m1\r\nm2'\r\n"
	                   "E\r\n"
	                   "F=mid\rcr\r\n"
	                   "G=\"end\"\r";

	CHECK_INT(parse(&d, text, &err), 0);
	CHECK(entry_is(&d, 0, "A", "1", 2));
	CHECK(entry_is(&d, 1, "B", "x", 3));
	CHECK(entry_is(&d, 2, "C", "l1\nl2", 4));
	CHECK(entry_is(&d, 3, "D", "m1\nm2", 6));
	CHECK(d.n > 4 && strcmp(d.v[4].name, "E") == 0 && !d.v[4].has_value);
	CHECK(entry_is(&d, 5, "F", "mid\rcr", 9));
	CHECK(entry_is(&d, 6, "G", "end", 10));
	CHECK_INT(d.n, 7);
	dotenv_free(&d);
}

static void test_empty_and_unterminated_last_line(void)
{
	struct dotenv d = {0};
	struct shim_err err = {0};

	CHECK_INT(dotenv_parse(&d, "", 0, "e.env", &err), 0);
	CHECK_INT(d.n, 0);
	dotenv_free(&d);
	CHECK_INT(parse(&d, "\n\n# only comments", &err), 0);
	CHECK_INT(d.n, 0);
	dotenv_free(&d);
	CHECK_INT(parse(&d, "A=x  ", &err), 0);
	CHECK(entry_is(&d, 0, "A", "x", 1));
	dotenv_free(&d);
	/* len is honoured: bytes after it are not read. */
	CHECK_INT(dotenv_parse(&d, "A=12345", 4, "e.env", &err), 0);
	CHECK(entry_is(&d, 0, "A", "12", 1));
	dotenv_free(&d);
}

#define BAD_NAME "invalid variable name before '=' (a value that spans lines must be quoted)"

static void test_errors(void)
{
	CHECK(fails_with("A=1\n1X=2\n", "app.env:2: " BAD_NAME));
	CHECK(fails_with("A-B=1\n", "app.env:1: " BAD_NAME));
	CHECK(fails_with("A B=1\n", "app.env:1: " BAD_NAME));
	CHECK(fails_with("\xc3\xa9=1\n", "app.env:1: " BAD_NAME));
	CHECK(fails_with("=1\n", "app.env:1: no variable name before '='"));
	CHECK(fails_with("  = x\n", "app.env:1: no variable name before '='"));
	CHECK(fails_with("A=\"abc\n\ndef\n", "app.env:1: unterminated double quote"));
	CHECK(fails_with("X=1\nA='abc\n", "app.env:2: unterminated single quote"));
	CHECK(fails_with("A=\"abc\\\"", "app.env:1: unterminated double quote"));
	CHECK(fails_with("A=\"abc\\", "app.env:1: unterminated double quote"));
	CHECK(fails_with("A=\"x\n\"y\nB=1\n", "app.env:2: text after the closing quote of A"));
	CHECK(fails_with("A='x' y\n", "app.env:1: text after the closing quote of A"));
	CHECK(fails_with("A=\"x\"\"y\"\n", "app.env:1: text after the closing quote of A"));
	CHECK(fails_with("A=1\nnot an assignment\n",
	                 "app.env:2: not NAME=VALUE nor a bare NAME (a value that spans lines "
	                 "must be quoted)"));
}

static void test_nul_byte(void)
{
	static const char text[] = "A=1\nB=2\nC=x\0y\n";
	struct dotenv d = {0};
	struct shim_err err = {0};

	CHECK_INT(dotenv_parse(&d, text, sizeof(text) - 1, "app.env", &err), -1);
	CHECK_INT(err.status, SHIM_EX_DATA);
	CHECK_STR(err.msg, "app.env:3: NUL byte in the file");
	CHECK(d.v == NULL);
}

static void test_errors_hide_values(void)
{
	struct dotenv d = {0};
	struct shim_err err = {0};

	/* An unquoted multi-line PEM: reported at its first line, by number only. */
	CHECK_INT(parse(&d, "KEY=-----BEGIN KEY-----\nMIIEvQIBADAN+gkqhkiG9w0BAQEF/ASC\n", &err),
	          -1);
	CHECK(strstr(err.msg, "MIIE") == NULL);
	CHECK(strstr(err.msg, "app.env:1:") == err.msg);
	/* A base64 line with '=' padding looks like an assignment with a long name. */
	CHECK_INT(
	        parse(&d, "KEY=x\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBA+C7==\n", &err),
	        -1);
	CHECK(strstr(err.msg, "MIIE") == NULL);
	CHECK_STR(err.msg, "app.env:2: " BAD_NAME);
	CHECK_INT(parse(&d, "PW=\"hunter2-secret\" trailing-secret\n", &err), -1);
	CHECK(strstr(err.msg, "hunter2") == NULL && strstr(err.msg, "trailing") == NULL);
	CHECK_INT(parse(&d, "PW=\"hunter2-secret\n", &err), -1);
	CHECK(strstr(err.msg, "hunter2") == NULL);
	/* A fragment of a value before a '=' is never echoed, however short. */
	CHECK_INT(parse(&d, "KEY=x\nab+cd/ef==\n", &err), -1);
	CHECK_STR(err.msg, "app.env:2: " BAD_NAME);
}

/* An unquoted PEM block is refused at its first line, by the file and line: its body lines
 * would otherwise read as entries, some with valid names made of the key. */
static void test_unquoted_pem(void)
{
	struct dotenv d = {0};
	struct shim_err err = {0};

	CHECK_INT(parse(&d,
	                "A=1\nKEY=-----BEGIN PRIVATE KEY-----\n"
	                "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n"
	                "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSj=\n-----END PRIVATE KEY-----\n",
	                &err),
	          -1);
	CHECK_STR(err.msg,
	          "app.env:2: the PEM block of KEY spans lines unquoted (quote the value)");
	CHECK(d.v == NULL);
	/* quoted, or with \n escapes on one line, it is a value like any other */
	CHECK_INT(parse(&d, "KEY=\"-----BEGIN K-----\nMIIE\n-----END K-----\"\n", &err), 0);
	CHECK(entry_is(&d, 0, "KEY", "-----BEGIN K-----\nMIIE\n-----END K-----", 1));
	dotenv_free(&d);
	CHECK_INT(parse(&d, "KEY=-----BEGIN K-----\\nMIIE\\n-----END K-----\n", &err), 0);
	CHECK_INT(d.n, 1);
	dotenv_free(&d);
}

static void test_null_path(void)
{
	struct dotenv d = {0};
	struct shim_err err = {0};

	CHECK_INT(dotenv_parse(&d, "1=2", 3, NULL, &err), -1);
	CHECK_STR(err.msg, "(env file):1: " BAD_NAME);
	dotenv_free(NULL);
}

/* ---- writers ---- */

#define BIG_LEN 60000
static char big[BIG_LEN + 1];

static const char *awkward[] = {
        "plain",
        "",
        "it's \"quoted\"",
        "$HOME ${X} $(id) `id` \\$",
        "back\\slash\\",
        "a=b=c",
        "line1\nline2\n",
        "\ttab\tinside\t",
        "h\xc3\xa9llo \xe2\x98\x83 \xf0\x9f\x8e\x89",
        "  lead and trail  ",
        "#not a comment",
        "crlf\r\nend\r",
        "\\n is not a newline",
        "'",
        "\"",
        "\x01\x1b[0m\x7f",
        "\xff\xfe invalid utf-8 \xc3",
        "=",
        "-",
        "export X=1",
        "trailing space ",
        big,
};
#define N_AWKWARD (sizeof(awkward) / sizeof(awkward[0]))

/* 60 kB of every awkward byte, in whole UTF-8 sequences so the JSON check can compare. */
static void fill_big(void)
{
	static const char *pieces[] = {"abc", " ",  "XYZ019", "\"",       "'",
	                               "\\",  "$",  "`",      "#",        "=",
	                               "\n",  "\t", "\r",     "\xc3\xa9", "\xe2\x98\x83"};
	size_t i = 0, k = 0;

	while (i < BIG_LEN - 4) {
		const char *piece = pieces[(k * 7 + k / 13) % (sizeof(pieces) / sizeof(pieces[0]))];

		memcpy(big + i, piece, strlen(piece));
		i += strlen(piece);
		k++;
	}
	while (i < BIG_LEN)
		big[i++] = 'z';
	big[BIG_LEN] = '\0';
}

static void test_dotenv_round_trip(void)
{
	struct buf out = BUF_INIT;
	struct dotenv d = {0};
	struct shim_err err = {0};
	char name[16];
	size_t i;

	fill_big();
	dotenv_format_begin(&out, DOTENV_FMT_DOTENV);
	for (i = 0; i < N_AWKWARD; i++) {
		snprintf(name, sizeof(name), "V%zu", i);
		dotenv_format_entry(&out, DOTENV_FMT_DOTENV, name, awkward[i], i == 0);
	}
	dotenv_format_end(&out, DOTENV_FMT_DOTENV);
	CHECK(!buf_oom(&out));
	CHECK_INT(dotenv_parse(&d, out.ptr, out.len, "print.env", &err), 0);
	CHECK_INT(d.n, N_AWKWARD);
	for (i = 0; i < d.n && i < N_AWKWARD; i++) {
		snprintf(name, sizeof(name), "V%zu", i);
		CHECK_STR(d.v[i].name, name);
		CHECK(strcmp(d.v[i].value, awkward[i]) == 0);
	}
	dotenv_free(&d);
	buf_free(&out);
}

static void test_dotenv_bare_when_safe(void)
{
	struct buf out = BUF_INIT;

	/* Docker reads values literally: safe ones must stay unquoted for it. */
	dotenv_format_entry(&out, DOTENV_FMT_DOTENV, "URL", "postgresql://u@h:5432/db?a=b,c%20+d",
	                    1);
	dotenv_format_entry(&out, DOTENV_FMT_DOTENV, "E", "", 0);
	dotenv_format_entry(&out, DOTENV_FMT_DOTENV, "U", "h\xc3\xa9", 0);
	dotenv_format_entry(&out, DOTENV_FMT_DOTENV, "S", "a b", 0);
	dotenv_format_entry(&out, DOTENV_FMT_DOTENV, "D", "$x\n", 0);
	dotenv_format_entry(&out, DOTENV_FMT_DOTENV, "H", "a#b", 0);
	dotenv_format_entry(&out, DOTENV_FMT_DOTENV, "Q", "'", 0);
	CHECK_STR(out.ptr, "URL=postgresql://u@h:5432/db?a=b,c%20+d\nE=\nU=h\xc3\xa9\n"
	                   "S=\"a b\"\nD=\"\\$x\\n\"\nH=\"a#b\"\nQ=\"'\"\n");
	buf_free(&out);
}

/* Run /bin/sh on `eval "$(cat file)"; printf %s "$NAME"` and return its stdout. */
static char *sh_eval(const char *file, const char *name, size_t *len)
{
	char cmd[512];
	struct buf out = BUF_INIT;
	char chunk[4096];
	size_t n;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "/bin/sh -c 'eval \"$(cat %s)\"; printf %%s \"$%s\"'", file,
	         name);
	p = popen(cmd, "r");
	if (!p)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		buf_put(&out, chunk, n);
	if (pclose(p) != 0) {
		buf_free(&out);
		return NULL;
	}
	*len = out.len;
	buf_grow(&out, 0);
	return buf_detach(&out);
}

static void test_shell_eval(void)
{
	char file[] = "/tmp/test_dotenv_shXXXXXX";
	struct buf out = BUF_INIT;
	size_t i;
	int fd;

	fill_big();
	fd = mkstemp(file);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	for (i = 0; i < N_AWKWARD; i++) {
		char name[16];
		char *got;
		size_t len = 0;

		snprintf(name, sizeof(name), "V%zu", i);
		buf_clear(&out);
		dotenv_format_begin(&out, DOTENV_FMT_SHELL);
		dotenv_format_entry(&out, DOTENV_FMT_SHELL, name, awkward[i], 1);
		dotenv_format_end(&out, DOTENV_FMT_SHELL);
		CHECK(strncmp(out.ptr, "export V", 8) == 0);
		CHECK(ftruncate(fd, 0) == 0 && pwrite(fd, out.ptr, out.len, 0) == (ssize_t)out.len);
		got = sh_eval(file, name, &len);
		CHECK(got != NULL);
		if (got && (len != strlen(awkward[i]) || memcmp(got, awkward[i], len) != 0))
			CHECK(!"shell value differs");
		free(got);
	}
	close(fd);
	unlink(file);
	buf_free(&out);
}

static void test_shell_quoting(void)
{
	struct buf out = BUF_INIT;

	dotenv_format_entry(&out, DOTENV_FMT_SHELL, "A", "it's", 1);
	dotenv_format_entry(&out, DOTENV_FMT_SHELL, "B", "", 0);
	CHECK_STR(out.ptr, "export A='it'\\''s'\nexport B=''\n");
	buf_free(&out);
}

static void test_json(void)
{
	struct buf out = BUF_INIT;
	json_t *o;
	json_error_t jerr;
	size_t i;

	fill_big();
	dotenv_format_begin(&out, DOTENV_FMT_JSON);
	for (i = 0; i < N_AWKWARD; i++) {
		char name[16];

		snprintf(name, sizeof(name), "V%zu", i);
		dotenv_format_entry(&out, DOTENV_FMT_JSON, name, awkward[i], i == 0);
	}
	dotenv_format_end(&out, DOTENV_FMT_JSON);
	CHECK(out.len > 2 && out.ptr[0] == '{' && strcmp(out.ptr + out.len - 2, "}\n") == 0);
	o = json_loadb(out.ptr, out.len, 0, &jerr);
	CHECK(o && json_is_object(o) && json_object_size(o) == N_AWKWARD);
	for (i = 0; o && i < N_AWKWARD; i++) {
		char name[16];
		const char *got;

		snprintf(name, sizeof(name), "V%zu", i);
		got = json_string_value(json_object_get(o, name));
		if (strstr(awkward[i], "invalid utf-8"))
			CHECK_STR(got, "\xef\xbf\xbd\xef\xbf\xbd invalid utf-8 \xef\xbf\xbd");
		else
			CHECK(got && strcmp(got, awkward[i]) == 0);
	}
	json_decref(o);
	buf_free(&out);
}

static void test_json_exact(void)
{
	struct buf out = BUF_INIT;

	dotenv_format_begin(&out, DOTENV_FMT_JSON);
	dotenv_format_end(&out, DOTENV_FMT_JSON);
	CHECK_STR(out.ptr, "{}\n");
	buf_clear(&out);
	dotenv_format_begin(&out, DOTENV_FMT_JSON);
	dotenv_format_entry(&out, DOTENV_FMT_JSON, "A", "q\"b\\n\n\x01\x7f\xc3\xa9/", 1);
	dotenv_format_entry(&out, DOTENV_FMT_JSON, "B", "", 0);
	dotenv_format_end(&out, DOTENV_FMT_JSON);
	CHECK_STR(out.ptr, "{\"A\":\"q\\\"b\\\\n\\n\\u0001\\u007f\xc3\xa9/\",\"B\":\"\"}\n");
	buf_clear(&out);
	/* Overlong, surrogate, out of range and truncated sequences are each replaced. */
	dotenv_format_entry(&out, DOTENV_FMT_JSON, "X",
	                    "\xc0\xaf|\xed\xa0\x80|\xf4\x90\x80\x80|\xe2\x98", 1);
	CHECK_STR(out.ptr,
	          "\"X\":\"\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd|"
	          "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd\"");
	buf_free(&out);
}

int main(void)
{
	RUN(test_name_valid);
	RUN(test_basic_lines);
	RUN(test_quotes);
	RUN(test_quote_only_first_byte);
	RUN(test_crlf_bom);
	RUN(test_empty_and_unterminated_last_line);
	RUN(test_errors);
	RUN(test_nul_byte);
	RUN(test_errors_hide_values);
	RUN(test_unquoted_pem);
	RUN(test_null_path);
	RUN(test_dotenv_round_trip);
	RUN(test_dotenv_bare_when_safe);
	RUN(test_shell_eval);
	RUN(test_shell_quoting);
	RUN(test_json);
	RUN(test_json_exact);
	return unit_done("test_dotenv");
}
