/* The resolver's process protections between its first instruction and the exec: what a
 * same-UID process, a core dump or a terminal's job control could otherwise get from it
 * (SECURITY.md). */
#ifndef SHIM_HARDEN_H
#define SHIM_HARDEN_H

/* Not dumpable (no core file; /proc/PID/mem, environ and ptrace closed to other processes of
 * the same UID), a soft core-size limit of 0, and the job-control stop signals (SIGTSTP,
 * SIGTTIN, SIGTTOU) ignored, so nothing suspends the --timeout deadline. Called once, from a
 * constructor of the resolver, before main. A failure is logged as a warning. */
void harden_start(void);

/* Right before execve: the core-size limit and the three signals' dispositions as they were
 * found (execve itself makes the application dumpable again). */
void harden_restore(void);

#endif
