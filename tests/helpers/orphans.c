/* Test and bench helper: makes N orphans for the supervisor to reap, then waits until
 * none of them is left as a zombie under it.
 *   orphans N [TIMEOUT_MS]
 * Each orphan checks that it was re-parented to the supervisor (our parent), so a
 * supervisor that is neither PID 1 nor a subreaper fails instead of passing vacuously.
 * Exit 0 when all N were re-parented and reaped in time; 1 (with counts) otherwise. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Zombies whose parent is the supervisor, our own parent. */
static int count_zombies(pid_t reaper)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int zombies = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char path[300], buf[512], *p;
		FILE *f;
		int ppid;
		char state;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		if (!(f = fopen(path, "r")))
			continue;
		p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
		fclose(f);
		if (p && sscanf(p + 2, "%c %d", &state, &ppid) == 2 && state == 'Z' &&
		    ppid == reaper)
			zombies++;
	}
	closedir(d);
	return zombies;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100;
	long timeout_ms = argc > 2 ? atol(argv[2]) : 10000;
	pid_t reaper = getppid();
	struct timespec tick = {0, 5 * 1000000L};
	int left, adopted;
	int *counter =
	        mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (counter == MAP_FAILED)
		return 2;

	for (int i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("fork");
			return 2;
		}
		if (pid == 0) {
			pid_t parent = getpid();
			if (fork() == 0) {
				while (getppid() == parent)
					sched_yield();
				if (getppid() == reaper)
					__atomic_fetch_add(counter, 1, __ATOMIC_SEQ_CST);
				_exit(0);
			}
			_exit(0);
		}
		waitpid(pid, NULL, 0);
	}
	for (long waited = 0;; waited += 5) {
		left = count_zombies(reaper);
		adopted = __atomic_load_n(counter, __ATOMIC_SEQ_CST);
		if (left == 0 && adopted == n)
			return 0;
		if (waited >= timeout_ms)
			break;
		nanosleep(&tick, NULL);
	}
	printf("%d of %d orphans adopted by the supervisor, %d zombies left\n", adopted, n, left);
	return 1;
}
