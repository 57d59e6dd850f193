/* The resolver's process protections (include/harden.h): it holds every value and the AWS
 * keys, and copies of both stay in libcurl's and OpenSSL's buffers until the exec. */
#include "harden.h"

#include "log.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

static const int stop_signals[] = {SIGTSTP, SIGTTIN, SIGTTOU};
#define N_STOP (sizeof(stop_signals) / sizeof(stop_signals[0]))

static struct sigaction saved_actions[N_STOP];
static struct rlimit saved_core;
static int saved;

void harden_start(void)
{
	struct sigaction ign = {.sa_handler = SIG_IGN};
	struct rlimit none;

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		log_warn("cannot make the resolver undumpable: %s", strerror(errno));
	/* A core_pattern with a pipe may ignore "dumpable"; the limit covers the rest. */
	if (getrlimit(RLIMIT_CORE, &saved_core) == 0) {
		none = saved_core;
		none.rlim_cur = 0;
		setrlimit(RLIMIT_CORE, &none);
	}
	for (size_t i = 0; i < N_STOP; i++)
		sigaction(stop_signals[i], &ign, &saved_actions[i]);
	saved = 1;
}

void harden_restore(void)
{
	if (!saved)
		return;
	setrlimit(RLIMIT_CORE, &saved_core);
	for (size_t i = 0; i < N_STOP; i++)
		sigaction(stop_signals[i], &saved_actions[i], NULL);
}
