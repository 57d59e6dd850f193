/* PID 1: spawn the child, forward signals, reap zombies, stop gracefully and pass the
 * child's exit status on (DESIGN.md section 3). libc only: this runs in the static binary. */
#ifndef SHIM_SUPERVISE_H
#define SHIM_SUPERVISE_H

#include "opts.h"

/* Run argv[0] (looked up in PATH when search_path) as the supervised child and return the
 * status the supervisor should exit with. Never returns before the child has exited.
 * resolver: the child is covenant-shim-resolve, so --refresh can check and restart it (it
 * gets --digest-fd=N or --digest inserted at argv[1]); without it --refresh only warns. */
int supervise_run(const struct shim_opts *o, const char *file, char *const argv[], int search_path,
                  int resolver);

/* The exit status for a wait(2) status: the code, or 128+N for signal N. */
int supervise_exit_status(int wstatus);

#endif
