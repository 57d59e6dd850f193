/* Tests of JSON keys: how each JSON type becomes a variable value, the errors (78) and that
 * they never show the secret's contents, NUL refusal, and --secret-json iteration. */
#include "unit.h"
#include "jsonval.h"

#include <jansson.h>
#include <stdlib.h>

#define SECRET "covenant-connect/app-secrets"

/* The rendered value of key in json, or NULL (and the message in msg) on error. */
static char *get(const char *json, const char *key, struct shim_err *err)
{
	char *v = NULL;

	if (jsonval_get(&v, json, strlen(json), key, SECRET, err) < 0)
		return NULL;
	return v;
}

static int renders(const char *json, const char *key, const char *want)
{
	struct shim_err err = {0};
	char *v = get(json, key, &err);
	int ok = v && strcmp(v, want) == 0;

	if (!ok)
		fprintf(stderr, "  %s [%s] -> %s (%s) wanted %s\n", json, key, v ? v : "NULL",
		        err.msg, want);
	free(v);
	return ok;
}

static int refuses(const char *json, size_t len, const char *key, const char *msg)
{
	struct shim_err err = {0};
	char *v = (char *)"untouched";

	if (jsonval_get(&v, json, len, key, SECRET, &err) == 0) {
		fprintf(stderr, "  accepted [%s]\n", key);
		free(v);
		return 0;
	}
	if (err.status != SHIM_EX_UNRESOLVED || strcmp(err.msg, msg) != 0 ||
	    strcmp(v, "untouched") != 0) {
		fprintf(stderr, "  [%d] %s\n  wanted %s\n", err.status, err.msg, msg);
		return 0;
	}
	return 1;
}

static void test_strings(void)
{
	const char *j = "{\"SECRET_KEY\":\"0123abcd\",\"EMPTY\":\"\",\"ESC\":\"a\\nb\\t\\\"q\\\" "
	                "\\u00e9\\ud83c\\udf89\",\"URL\":\"postgresql://u:p@h/db\"}";

	CHECK(renders(j, "SECRET_KEY", "0123abcd"));
	CHECK(renders(j, "EMPTY", ""));
	CHECK(renders(j, "ESC", "a\nb\t\"q\" \xc3\xa9\xf0\x9f\x8e\x89"));
	CHECK(renders(j, "URL", "postgresql://u:p@h/db"));
}

static void test_numbers_and_literals(void)
{
	const char *j = "{\"one\":1,\"neg\":-42,\"half\":1.5,\"e3\":1e3,\"tenth\":0.1,\"r1\":1.0,"
	                "\"big\":1e21,\"tiny\":1e-7,\"micro\":0.000001,\"sum\":0.30000000000000004,"
	                "\"pi\":3.141592653589793,\"max\":9223372036854775807,\"e20\":1E20,"
	                "\"nege\":-2.5e-10,\"t\":true,\"f\":false,\"n\":null,\"z\":-0}";

	CHECK(renders(j, "one", "1"));
	CHECK(renders(j, "neg", "-42"));
	CHECK(renders(j, "half", "1.5"));
	CHECK(renders(j, "e3", "1e3"));
	CHECK(renders(j, "tenth", "0.1"));
	CHECK(renders(j, "r1", "1.0"));
	CHECK(renders(j, "big", "1e21"));
	CHECK(renders(j, "tiny", "1e-7"));
	CHECK(renders(j, "micro", "0.000001"));
	CHECK(renders(j, "sum", "0.30000000000000004"));
	CHECK(renders(j, "pi", "3.141592653589793"));
	CHECK(renders(j, "max", "9223372036854775807"));
	CHECK(renders(j, "e20", "1E20"));
	CHECK(renders(j, "nege", "-2.5e-10"));
	CHECK(renders(j, "t", "true"));
	CHECK(renders(j, "f", "false"));
	CHECK(renders(j, "n", "null"));
	CHECK(renders(j, "z", "-0"));
}

struct collected {
	char text[1024];
	int calls, stop_at;
};
static int collect(void *ctx, const char *key, const char *value, struct shim_err *err);

static void test_huge_integer(void)
{
	/* Beyond int64: jansson reads every number as a double then, the text does not change. */
	const char *j = "{\"big\":18446744073709551616,\"s\":\"x\",\"i\":7}";
	const char *k = "{\"id\":12345678901234567890,\"n\":9007199254740993,\"r\":1.0,"
	                "\"a\":[12345678901234567890, 9007199254740993 ,1.0]}";
	const char *e = "{\"id\":12345678901234567890,\"r\":1.0,\"e\":-1E-7}";
	struct collected c = {"", 0, 0};
	struct shim_err err = {0};

	CHECK(renders(j, "big", "18446744073709551616"));
	CHECK(renders(j, "s", "x"));
	CHECK(renders(j, "i", "7"));
	CHECK(renders(k, "id", "12345678901234567890"));
	CHECK(renders(k, "n", "9007199254740993"));
	CHECK(renders(k, "r", "1.0"));
	CHECK(renders(k, "a", "[12345678901234567890,9007199254740993,1.0]"));
	CHECK_INT(jsonval_each_key(e, strlen(e), SECRET, collect, &c, &err), 0);
	CHECK_STR(c.text, "id=12345678901234567890;r=1.0;e=-1E-7;");
	/* a double's range is jansson's limit: refused, never rounded */
	CHECK(refuses("{\"id\":1,\"x\":1e400}", 18, "id",
	              "secret \"" SECRET "\": key \"id\" asked for, but the secret is not valid "
	              "JSON (line 1: a number out of range)"));
}

/* The text of a value is that of the member jansson keeps: the last of a repeated key, an
 * escaped key by what it reads as, whatever the blanks and nesting around it. */
static void test_number_text_lookup(void)
{
	const char *j = "{ \"A\" : 1.0 , \"\\u0042\" :\t2.50, \"C\":{\"A\":3.0,\"s\":\"}\\\"]\"},"
	                "\"A\":\n4.00 , \"D\":[\"\\u00e9\",1e0] }";
	struct collected c = {"", 0, 0};
	struct shim_err err = {0};

	CHECK(renders(j, "A", "4.00"));
	CHECK(renders(j, "B", "2.50"));
	CHECK(renders(j, "C", "{\"A\":3.0,\"s\":\"}\\\"]\"}"));
	CHECK(renders(j, "D", "[\"\xc3\xa9\",1e0]"));
	CHECK_INT(jsonval_each_key(j, strlen(j), SECRET, collect, &c, &err), 0);
	CHECK_STR(c.text, "A=4.00;B=2.50;C={\"A\":3.0,\"s\":\"}\\\"]\"};D=[\"\xc3\xa9\",1e0];");
}

static void test_compact(void)
{
	const char *j =
	        "{\"cfg\" : { \"zeta\" : 1 , \"alpha\" : [ true , null , 1.50, \"a\\\"b\" ],"
	        "\"mid\":{}, \"e\":1e3, \"nul\":\"x\\u0000y\", \"ctl\":\"\\u001f\\n\","
	        " \"u\":\"\\u00e9\" } , \"list\" : [ 1 , [ ] , { \"k\" : \"v\" } ] ,"
	        "\"empty\":[]}";

	CHECK(renders(j, "cfg",
	              "{\"zeta\":1,\"alpha\":[true,null,1.50,\"a\\\"b\"],\"mid\":{},\"e\":1e3,"
	              "\"nul\":\"x\\u0000y\",\"ctl\":\"\\u001f\\n\",\"u\":\"\xc3\xa9\"}"));
	CHECK(renders(j, "list", "[1,[],{\"k\":\"v\"}]"));
	CHECK(renders(j, "empty", "[]"));
}

static void test_missing_and_duplicates(void)
{
	const char *j = "{\"A\":\"1\",\"A\":\"2\"}";

	CHECK(renders(j, "A", "2"));
	CHECK(refuses(j, strlen(j), "B",
	              "secret \"" SECRET "\": key \"B\" not found (the secret's keys: \"A\")"));
	CHECK(refuses(j, strlen(j), "a",
	              "secret \"" SECRET "\": key \"a\" not found (the secret's keys: \"A\")"));
	CHECK(refuses("{}", 2, "A",
	              "secret \"" SECRET "\": key \"A\" not found (the secret's object is empty)"));
	CHECK(refuses(j, strlen(j), "we\"ird\x01",
	              "secret \"" SECRET "\": key \"we\\x22ird\\x01\" not found (the secret's "
	              "keys: \"A\")"));
}

/* A missing key lists the keys there are: names only (never a value), sanitized, capped. */
static void test_missing_key_lists_keys(void)
{
	const char *j = "{\"SECRET_KEY\":\"s3cr3t-value\",\"MAIL_PASSWORD\":\"pw-value\","
	                "\"b\\u001bad\":\"x\"}";
	char big[4096];
	struct shim_err err = {0};
	char *v = NULL;
	size_t n = 0;

	CHECK(refuses(j, strlen(j), "SECRET_KYE",
	              "secret \"" SECRET "\": key \"SECRET_KYE\" not found (the secret's keys: "
	              "\"SECRET_KEY\", \"MAIL_PASSWORD\", \"b\\x1bad\")"));
	n += (size_t)snprintf(big + n, sizeof(big) - n, "{");
	for (int i = 0; i < 30; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "%s\"K%02d_%s\":\"value-%d\"",
		                      i ? "," : "", i, "LONG_NAME_PADDING_PADDING", i);
	snprintf(big + n, sizeof(big) - n, "}");
	CHECK_INT(jsonval_get(&v, big, strlen(big), "NOPE", SECRET, &err), -1);
	CHECK(strstr(err.msg, "\"K00_LONG_NAME_PADDING_PADDING\"") != NULL);
	CHECK(strstr(err.msg, "K29") == NULL);    /* capped */
	CHECK(strstr(err.msg, ", ...)") != NULL); /* and says so */
	CHECK(strstr(err.msg, "value-") == NULL);
	CHECK(strlen(err.msg) < 460);
}

static void test_not_an_object(void)
{
	const char *pw = "hunter2-very-secret";

	CHECK(refuses(pw, strlen(pw), "K",
	              "secret \"" SECRET "\": key \"K\" asked for, but the secret is not JSON"));
	CHECK(refuses("[\"hunter2\"]", 11, "K",
	              "secret \"" SECRET "\": key \"K\" asked for, but the secret is a JSON array, "
	              "not an object"));
	CHECK(refuses("\"hunter2\"", 9, "K",
	              "secret \"" SECRET
	              "\": key \"K\" asked for, but the secret is a JSON string, "
	              "not an object"));
	CHECK(refuses("42", 2, "K",
	              "secret \"" SECRET
	              "\": key \"K\" asked for, but the secret is a JSON number, "
	              "not an object"));
	CHECK(refuses("", 0, "K",
	              "secret \"" SECRET "\": key \"K\" asked for, but the secret is not JSON"));
	CHECK(refuses("  \n", 3, "K",
	              "secret \"" SECRET "\": key \"K\" asked for, but the secret is not JSON"));
	CHECK(refuses("{\"K\":\"hunter2\"} trailing", 24, "K",
	              "secret \"" SECRET
	              "\": key \"K\" asked for, but the secret is not valid JSON "
	              "(line 1: text after the end of the document)"));
	CHECK(refuses(" \n{\"K\":\n!}", 10, "K",
	              "secret \"" SECRET
	              "\": key \"K\" asked for, but the secret is not valid JSON "
	              "(line 3: invalid syntax)"));
	CHECK(refuses("{\"K\":\"hunter2\"", 14, "K",
	              "secret \"" SECRET
	              "\": key \"K\" asked for, but the secret is not valid JSON "
	              "(line 1: unexpected end of the text)"));
	CHECK(refuses("{\"K\":1e400}", 11, "K",
	              "secret \"" SECRET
	              "\": key \"K\" asked for, but the secret is not valid JSON "
	              "(line 1: a number out of range)"));
}

static void test_errors_hide_contents(void)
{
	static const char *bad[] = {
	        "{\"K\": hunter2}",
	        "{\"K\":\"hunter2\", hunter3}",
	        "{\"K\":\"hunter2\\q\"}",
	        "{\"K\":\"\xffhunter2\"}",
	        "hunter2",
	        "{\"X\":\"hunter2\"}",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct shim_err err = {0};
		char *v = NULL;

		CHECK(jsonval_get(&v, bad[i], strlen(bad[i]), "K", SECRET, &err) < 0);
		CHECK_INT(err.status, SHIM_EX_UNRESOLVED);
		CHECK(strstr(err.msg, "hunter") == NULL);
		CHECK(strstr(err.msg, SECRET) != NULL);
	}
}

static void test_nul_refused(void)
{
	static const char j[] = "{\"K\":\"abc\\u0000def\",\"OK\":\"fine\"}";

	CHECK(refuses(j, sizeof(j) - 1, "K",
	              "secret \"" SECRET "\": key \"K\" has a value with a NUL byte, which no "
	              "environment variable can hold"));
	CHECK(renders(j, "OK", "fine"));
	/* a raw NUL byte between tokens, which jansson would skip */
	CHECK(refuses("{\"K\":[1e3\0,2]}", 15, "K",
	              "secret \"" SECRET
	              "\": key \"K\" asked for, but the secret is not valid JSON "
	              "(a NUL byte in the text)"));
	CHECK(refuses("{\"a\\u0000b\":1}", 14, "a",
	              "secret \"" SECRET "\": key \"a\" asked for, but the secret has a key with a "
	              "NUL byte"));
}

static void test_len_not_nul_terminated(void)
{
	char j[] = "{\"A\":\"x\"}garbage";
	char *v = NULL;
	struct shim_err err = {0};

	CHECK_INT(jsonval_get(&v, j, 9, "A", SECRET, &err), 0);
	CHECK_STR(v, "x");
	free(v);
}

/* ---- jsonval_each_key ---- */

static int collect(void *ctx, const char *key, const char *value, struct shim_err *err)
{
	struct collected *c = ctx;
	size_t n = strlen(c->text);

	if (++c->calls == c->stop_at)
		return shim_err_set(err, SHIM_EX_INTERNAL, "stopped at %s", key);
	snprintf(c->text + n, sizeof(c->text) - n, "%s=%s;", key, value);
	return 0;
}

static void test_each_key(void)
{
	const char *j = "{\"SECRET_KEY\":\"s\",\"MAIL_PORT\":587,\"RATE\":0.25,\"ON\":true,"
	                "\"CFG\":{\"b\":1,\"a\":[2]},\"NONE\":null,\"bad-name\":\"x\",\"E\":\"\"}";
	struct collected c = {"", 0, 0};
	struct shim_err err = {0};

	CHECK_INT(jsonval_each_key(j, strlen(j), SECRET, collect, &c, &err), 0);
	CHECK_STR(c.text, "SECRET_KEY=s;MAIL_PORT=587;RATE=0.25;ON=true;CFG={\"b\":1,\"a\":[2]};"
	                  "NONE=null;bad-name=x;E=;");
	CHECK_INT(c.calls, 8);

	memset(&c, 0, sizeof(c));
	CHECK_INT(jsonval_each_key("{}", 2, SECRET, collect, &c, &err), 0);
	CHECK_INT(c.calls, 0);
}

static void test_each_key_stop(void)
{
	struct collected c = {"", 0, 2};
	struct shim_err err = {0};

	CHECK_INT(jsonval_each_key("{\"A\":1,\"B\":2,\"C\":3}", 19, SECRET, collect, &c, &err), -1);
	CHECK_STR(err.msg, "stopped at B");
	CHECK_INT(err.status, SHIM_EX_INTERNAL);
	CHECK_INT(c.calls, 2);
}

static void test_each_key_errors(void)
{
	static const char nul[] = "{\"A\":\"ok\",\"B\":\"x\\u0000y\"}";
	struct collected c = {"", 0, 0};
	struct shim_err err = {0};

	CHECK_INT(jsonval_each_key("[1]", 3, SECRET, collect, &c, &err), -1);
	CHECK_INT(err.status, SHIM_EX_UNRESOLVED);
	CHECK_STR(err.msg, "secret \"" SECRET "\": cannot be imported: the secret is a JSON array, "
	                   "not an object");
	CHECK_INT(jsonval_each_key("plain", 5, SECRET, collect, &c, &err), -1);
	CHECK_STR(err.msg, "secret \"" SECRET "\": cannot be imported: the secret is not JSON");
	/* Refused before any key is handed out, so nothing half-imports. */
	CHECK_INT(jsonval_each_key(nul, sizeof(nul) - 1, SECRET, collect, &c, &err), -1);
	CHECK_STR(err.msg, "secret \"" SECRET "\": key \"B\" has a value with a NUL byte, which no "
	                   "environment variable can hold");
	CHECK_INT(c.calls, 0);
}

/* jsonval_dump writes any value as jsonval_get writes an object's: the same text. */
static void test_dump(void)
{
	static const char *const docs[] = {"{\"a\":[1,1.5,1e21,\"\\u00e9\\n\"],\"b\":{\"c\":null}}",
	                                   "\"s\"", "-0.0", "[]"};
	static const char *const want[] = {
	        "{\"a\":[1,1.5,1e+21,\"\xc3\xa9\\n\"],\"b\":{\"c\":null}}", "\"s\"", "-0", "[]"};

	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		json_t *v = json_loads(docs[i], JSON_DECODE_ANY, NULL);
		char *out = NULL;
		size_t len = 0;
		CHECK(v != NULL);
		CHECK_INT(jsonval_dump(&out, &len, v), 0);
		CHECK_STR(out, want[i]);
		CHECK_INT(len, strlen(want[i]));
		free(out);
		json_decref(v);
	}
}

static void test_big_value(void)
{
	size_t n = 65536, i;
	char *j = malloc(n + 16), *v = NULL;
	struct shim_err err = {0};

	memcpy(j, "{\"K\":\"", 6);
	for (i = 6; i < n + 6; i++)
		j[i] = (char)('a' + i % 26);
	memcpy(j + n + 6, "\"}", 2);
	CHECK_INT(jsonval_get(&v, j, n + 8, "K", SECRET, &err), 0);
	CHECK(v && strlen(v) == n && memcmp(v, j + 6, n) == 0);
	free(v);
	free(j);
}

int main(void)
{
	jsonval_init_allocator();
	jsonval_init_allocator(); /* idempotent */
	RUN(test_strings);
	RUN(test_numbers_and_literals);
	RUN(test_huge_integer);
	RUN(test_number_text_lookup);
	RUN(test_compact);
	RUN(test_missing_and_duplicates);
	RUN(test_missing_key_lists_keys);
	RUN(test_not_an_object);
	RUN(test_errors_hide_contents);
	RUN(test_nul_refused);
	RUN(test_len_not_nul_terminated);
	RUN(test_each_key);
	RUN(test_each_key_stop);
	RUN(test_each_key_errors);
	RUN(test_big_value);
	RUN(test_dump);
	return unit_done("test_jsonval");
}
