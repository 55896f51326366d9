/* Prints its effective uid: installed setuid root in a test rootfs. */
#include <stdio.h>
#include <unistd.h>

int main(void) {
  printf("%u\n", (unsigned)geteuid());
  return 0;
}
