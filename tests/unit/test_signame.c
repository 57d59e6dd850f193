/* Signal names: the supervisor's own table, checked against glibc's sigabbrev_np() (the unit
 * tests build against glibc; the shipped supervisor against musl, which has no such call). */
#include "signame.h"
#include "opts.h"
#include "unit.h"

#include <signal.h>

static void test_same_names_as_glibc(void)
{
	for (int sig = 1; sig < SIGRTMIN; sig++) {
		const char *ours = signame_abbrev(sig), *glibc = sigabbrev_np(sig);
		if (!glibc)
			CHECK(!ours);
		else
			CHECK_STR(ours, glibc);
	}
	CHECK(!signame_abbrev(0));
	CHECK(!signame_abbrev(-1));
	CHECK(!signame_abbrev(SIGRTMIN));
	CHECK(!signame_abbrev(SIGRTMAX));
}

static void test_names_parse_back(void)
{
	CHECK_INT(opts_parse_signal("WINCH"), SIGWINCH);
	CHECK_INT(opts_parse_signal("sigpoll"), SIGIO);
	CHECK_INT(opts_parse_signal("STKFLT"), SIGSTKFLT);
	CHECK_INT(opts_parse_signal("PWR"), SIGPWR);
	CHECK_INT(opts_parse_signal("IO"), -1); /* glibc's names only: SIGIO is "POLL" */
	CHECK_INT(opts_parse_signal("RTMIN"), -1);
}

int main(void)
{
	RUN(test_same_names_as_glibc);
	RUN(test_names_parse_back);
	return unit_done("test_signame");
}
