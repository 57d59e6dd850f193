/* libFuzzer target: the Secrets Manager and SSM response parsers and the matchers.
 * make fuzz builds it (clang -fsanitize=fuzzer,address,undefined with every module). */
#include "sm.h"
#include "ssm.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	struct shim_err err;
	struct sm_value v;
	struct sm_batch b;
	struct ssm_result r;

	if (sm_parse_get(&v, body, size, &err) == 0) {
		sm_value_matches(&v, "name");
		sm_value_matches(&v, "arn:aws:secretsmanager:us-east-1:123456789012:secret:n");
		sm_value_clear(&v);
	}
	if (sm_parse_batch(&b, body, size, &err) == 0)
		sm_batch_clear(&b);
	if (ssm_parse_get_parameters(&r, body, size, &err) == 0) {
		for (size_t i = 0; i < r.n_params; i++) {
			ssm_param_matches(&r.params[i], "/a/b:1");
			ssm_param_matches(&r.params[i], "arn:aws:ssm:r:1:parameter/a:x");
		}
		ssm_result_clear(&r);
	}
	if (ssm_parse_by_path(&r, body, size, &err) == 0)
		ssm_result_clear(&r);
	return 0;
}
