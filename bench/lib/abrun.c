/* abrun: times two commands run alternately (A B B A A B ...), so that a
 * change in the machine's load or state during the measurement hits both
 * equally. Used for A/B comparisons of two builds; see bench/ab.sh.
 *
 *   abrun N cmdA [args...] ::: cmdB [args...]
 *
 * Prints mean, median and 10th percentile of each in ms, and B/A of the
 * means. stdout/stderr of the commands go to /dev/null; a failing run is
 * reported on stderr. */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static int failures;

static double run_once(char **argv) {
  posix_spawn_file_actions_t io;
  posix_spawn_file_actions_init(&io);
  posix_spawn_file_actions_addopen(&io, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&io, 2, "/dev/null", O_WRONLY, 0);
  double start = now_ms();
  pid_t pid;
  if (posix_spawn(&pid, argv[0], &io, NULL, argv, environ) != 0) {
    perror(argv[0]);
    exit(2);
  }
  int status;
  waitpid(pid, &status, 0);
  double took = now_ms() - start;
  posix_spawn_file_actions_destroy(&io);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "abrun: %s failed\n", argv[0]);
    ++failures;
  }
  return took;
}

static void summary(const char *name, double *t, int n, double *mean) {
  double sum = 0;
  for (int i = 0; i < n; ++i) sum += t[i];
  qsort(t, (size_t)n, sizeof *t, by_value);
  *mean = sum / n;
  printf("%s mean %.3f median %.3f p10 %.3f | ", name, *mean, t[n / 2], t[n / 10]);
}

int main(int argc, char **argv) {
  int sep = 2;
  while (sep < argc && strcmp(argv[sep], ":::") != 0) ++sep;
  int n = argc > 1 ? atoi(argv[1]) : 0;
  if (n < 2 || sep == 2 || sep >= argc - 1) {
    fprintf(stderr, "usage: abrun N cmdA [args...] ::: cmdB [args...]\n");
    return 2;
  }
  argv[sep] = NULL;
  char **a = argv + 2, **b = argv + sep + 1;
  double *ta = malloc(sizeof(double) * (size_t)n), *tb = malloc(sizeof(double) * (size_t)n);
  for (int i = 0; i < 3; ++i) run_once(a), run_once(b); /* warm-up */
  for (int i = 0; i < n; ++i) {
    if (i & 1) {
      tb[i] = run_once(b);
      ta[i] = run_once(a);
    } else {
      ta[i] = run_once(a);
      tb[i] = run_once(b);
    }
  }
  double ma, mb;
  summary("A", ta, n, &ma);
  summary("B", tb, n, &mb);
  printf("B/A mean %.3f\n", mb / ma);
  if (failures > 0) fprintf(stderr, "abrun: %d runs failed: the times above mean nothing\n", failures);
  return failures > 0;
}
