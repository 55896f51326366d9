/* Installed setuid-root in a test rootfs: prints the real and effective
   uid it runs with, so a test sees whether exec raised its privileges. */
#include <stdio.h>
#include <unistd.h>

int main(void) {
  printf("uid=%u euid=%u\n", (unsigned)getuid(), (unsigned)geteuid());
  return 0;
}
