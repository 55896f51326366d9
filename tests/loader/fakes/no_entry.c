/* A shared object with no berth_driver_entry symbol. */
int not_a_driver(void);
int not_a_driver(void) {
  return 42;
}
