/* The one clock of deadlines, timers and elapsed times: CLOCK_MONOTONIC in milliseconds. */
#ifndef SHIM_CLOCK_H
#define SHIM_CLOCK_H

long long clock_ms(void);

#endif
