/* Signal names without the SIG prefix ("TERM", "WINCH"), one table for both executables, so
 * the supervisor reads and prints the same names whichever libc it is built against. */
#ifndef SHIM_SIGNAME_H
#define SHIM_SIGNAME_H

/* The name of a standard signal (1 to SIGRTMIN - 1), or NULL. */
const char *signame_abbrev(int sig);

#endif
