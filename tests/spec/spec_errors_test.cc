// Documents that must be refused, each with the message and the place.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "spec/spec.h"

namespace berth::spec {
namespace {

std::vector<Diagnostic> problems(const std::string &text) {
  try {
    parse(text, "bad.yaml", "/specs");
  } catch (const SpecError &e) {
    return e.diagnostics();
  }
  ADD_FAILURE() << "the document was accepted:\n" << text;
  return {};
}

// The document is refused with a problem whose message contains `needle`, at
// `line` and (when not 0) `column`.
void expect_problem(const std::string &text, int line, int column, const std::string &needle) {
  const std::vector<Diagnostic> found = problems(text);
  std::string all;
  for (const Diagnostic &d : found) {
    all += d.str() + "\n";
    if (d.message.find(needle) == std::string::npos) continue;
    EXPECT_EQ(d.file, "bad.yaml");
    EXPECT_EQ(d.line, line) << d.str();
    if (column != 0) {
      EXPECT_EQ(d.column, column) << d.str();
    }
    return;
  }
  ADD_FAILURE() << "no problem mentions \"" << needle << "\"; got:\n" << all;
}

// --- keys ---

TEST(SpecErrors, SecurityTakesOnlyKnownKeysAndBooleans) {
  expect_problem("version: 1\nsecurity: {no_new_privileges: maybe}\n", 2, 0, "maybe");
  expect_problem("version: 1\nsecurity: {no_new_privilege: false}\n", 2, 0,
                 "no_new_privileges");
}

TEST(SpecErrors, UnknownTopLevelKeySuggestsTheClosest) {
  expect_problem("version: 1\nproces:\n  args: [a]\n", 2, 1,
                 "unknown key 'proces' in the top level; did you mean 'process'?");
}

TEST(SpecErrors, UnknownNestedKeySuggestsFromThatLevel) {
  expect_problem("version: 1\nprocess:\n  arg: [a]\n", 3, 3,
                 "unknown key 'arg' in process; did you mean 'args'?");
  expect_problem("version: 1\nresources: {memroy: 1G}\n", 2, 13,
                 "unknown key 'memroy' in resources; did you mean 'memory'?");
}

TEST(SpecErrors, UnknownKeyWithNothingCloseListsTheValidKeys) {
  expect_problem("version: 1\nimage: alpine\n", 2, 1,
                 "unknown key 'image' in the top level; valid keys are: version, rootfs, process");
}

TEST(SpecErrors, DuplicateKeyNamesTheFirstLine) {
  expect_problem("version: 1\nhostname: a\nhostname: b\n", 3, 1,
                 "duplicate key 'hostname' in the top level (first given on line 2)");
}

// --- version ---

TEST(SpecErrors, MissingVersionIsReported) {
  expect_problem("process: {args: [a]}\n", 1, 1,
                 "missing 'version'; start the spec with 'version: 1'");
}

TEST(SpecErrors, UnsupportedVersionIsReported) {
  expect_problem("version: 2\n", 1, 10,
                 "version: unsupported version 2; this berth reads version 1");
}

TEST(SpecErrors, VersionMustBeAnInteger) {
  expect_problem("version: one\n", 1, 10, "version: expected an integer, found 'one'");
}

// --- document shape and syntax ---

TEST(SpecErrors, TopLevelListIsNotASpec) {
  expect_problem("- version: 1\n- rootfs: x\n", 1, 1,
                 "the document must be a mapping of spec fields (version, rootfs, process, ...), "
                 "found a list");
}

TEST(SpecErrors, TopLevelScalarIsNotASpec) {
  expect_problem("hello\n", 1, 1, "must be a mapping of spec fields");
}

TEST(SpecErrors, EmptyDocumentIsReportedWithoutAPlace) {
  expect_problem("# nothing here\n", 0, 0, "the document is empty");
}

TEST(SpecErrors, YamlSyntaxErrorCarriesTheParsersPosition) {
  expect_problem("version: 1\nprocess:\n  args: [a, b\n", 4, 1, "YAML syntax error: ");
  expect_problem("version: 1\n  bad: indent\n", 2, 6, "YAML syntax error: ");
}

TEST(SpecErrors, SecondDocumentIsRefused) {
  expect_problem("version: 1\n---\nversion: 1\n", 3, 1, "more than one YAML document");
}

// --- rootfs, hostname, network, readonly_rootfs ---

TEST(SpecErrors, RootfsMustNotBeEmpty) {
  expect_problem("version: 1\nrootfs: \"\"\n", 2, 9, "rootfs: empty path");
}

TEST(SpecErrors, RootfsMustBeAString) {
  expect_problem("version: 1\nrootfs: [a, b]\n", 2, 9,
                 "rootfs: expected a directory path, found a list");
}

TEST(SpecErrors, HostnameMustBeAnRfc1123Name) {
  expect_problem("version: 1\nhostname: -bad_name\n", 2, 11,
                 "hostname: '-bad_name' is not a valid host name");
  expect_problem("version: 1\nhostname: " + std::string(65, 'a') + "\n", 2, 11,
                 "is not a valid host name");
}

TEST(SpecErrors, BadNetworkListsTheAllowedValues) {
  expect_problem("version: 1\nnetwork: bridge\n", 2, 10,
                 "network: 'bridge' is not a network mode; use one of: none, host");
}

TEST(SpecErrors, ReadonlyRootfsMustBeABoolean) {
  expect_problem("version: 1\nreadonly_rootfs: sometimes\n", 2, 18,
                 "readonly_rootfs: expected true or false, found 'sometimes'");
}

// --- process ---

TEST(SpecErrors, ProcessMustBeAMapping) {
  expect_problem("version: 1\nprocess: [sh]\n", 2, 10,
                 "process: expected a mapping of keys to values, found a list");
}

TEST(SpecErrors, ArgsAsOneStringIsRefusedWithAListHint) {
  expect_problem(
      "version: 1\nprocess:\n  args: /bin/sh -c ls\n", 3, 9,
      "process.args: expected a list of strings, found a single string '/bin/sh -c ls'; "
      "a string is not split into words, write the command as a list: [/bin/sh, -c, ls]");
}

TEST(SpecErrors, EmptyArgsListIsRefused) {
  expect_problem("version: 1\nprocess: {args: []}\n", 2, 17, "process.args: the list is empty");
}

TEST(SpecErrors, ArgsItemMustBeAString) {
  expect_problem("version: 1\nprocess:\n  args: [sh, {a: 1}]\n", 3, 14,
                 "process.args[1]: expected a string, found a mapping");
}

TEST(SpecErrors, DuplicateEnvKeyInAListNamesTheFirstLine) {
  expect_problem("version: 1\nprocess:\n  env:\n    - A=1\n    - B=2\n    - A=3\n", 6, 7,
                 "process.env[2]: duplicate variable 'A' (first set on line 4)");
}

TEST(SpecErrors, DuplicateEnvKeyInAMappingNamesTheFirstLine) {
  expect_problem("version: 1\nprocess:\n  env:\n    A: 1\n    A: 2\n", 5, 5,
                 "duplicate key 'A' in process.env (first given on line 4)");
}

TEST(SpecErrors, EnvEntryWithoutEqualsIsRefused) {
  expect_problem("version: 1\nprocess:\n  env: [PATH=/bin, FOO]\n", 3, 20,
                 "process.env[1]: 'FOO' is not KEY=VALUE");
}

TEST(SpecErrors, EnvNameMustBeValid) {
  expect_problem("version: 1\nprocess:\n  env: [1X=a]\n", 3, 9,
                 "process.env[0]: '1X' is not a valid variable name");
  expect_problem("version: 1\nprocess:\n  env: {MY-VAR: a}\n", 3, 9,
                 "process.env: 'MY-VAR' is not a valid variable name");
}

TEST(SpecErrors, EnvMappingEntryNeedsAValue) {
  expect_problem("version: 1\nprocess:\n  env:\n    FOO:\n", 4, 5, "process.env.FOO: no value");
}

TEST(SpecErrors, EnvMustBeAListOrMapping) {
  expect_problem("version: 1\nprocess:\n  env: PATH=/bin\n", 3, 8,
                 "process.env: expected a list of KEY=VALUE strings or a mapping of KEY: VALUE, "
                 "found 'PATH=/bin'");
}

TEST(SpecErrors, CwdMustBeAbsolute) {
  expect_problem("version: 1\nprocess: {cwd: tmp}\n", 2, 16, "process.cwd: 'tmp' is not absolute");
}

TEST(SpecErrors, UserMustBeUidGidOrNames) {
  expect_problem("version: 1\nprocess: {user: \"a:b:c\"}\n", 2, 17,
                 "process.user: 'a:b:c' is not UID[:GID] or NAME[:GROUP]");
  expect_problem("version: 1\nprocess: {user: \"1000:\"}\n", 2, 17, "is not UID[:GID]");
}

TEST(SpecErrors, TtyMustBeABoolean) {
  expect_problem("version: 1\nprocess:\n  tty: maybe\n", 3, 8,
                 "process.tty: expected true or false, found 'maybe'");
}

// --- mounts ---

TEST(SpecErrors, MountDestinationMustBeAbsolute) {
  expect_problem("version: 1\nmounts:\n  - {source: /a, destination: data}\n", 3, 31,
                 "mounts[0].destination: 'data' is not absolute");
}

TEST(SpecErrors, ShortMountDestinationMustBeAbsolute) {
  expect_problem("version: 1\nmounts:\n  - /a:/b\n  - ./a:b\n", 4, 5,
                 "mounts[1]: 'b' is not absolute");
}

TEST(SpecErrors, ShortMountOptionMustBeRoOrRw) {
  expect_problem("version: 1\nmounts: [\"/a:/b:rx\"]\n", 2, 10,
                 "mounts[0]: unknown mount option 'rx' in '/a:/b:rx'; use ro or rw");
}

TEST(SpecErrors, ShortMountNeedsSourceAndDestination) {
  expect_problem("version: 1\nmounts: [/only]\n", 2, 10,
                 "mounts[0]: '/only' is not a mount; write SOURCE:DESTINATION[:ro|rw]");
}

TEST(SpecErrors, MountMappingNeedsADestination) {
  expect_problem("version: 1\nmounts:\n  - source: /a\n    readonly: true\n", 3, 5,
                 "mounts[0]: missing 'destination'");
}

TEST(SpecErrors, MountMappingUnknownKeySuggests) {
  expect_problem("version: 1\nmounts:\n  - {source: /a, target: /b}\n", 3, 18,
                 "unknown key 'target' in mounts[0]");
}

TEST(SpecErrors, MountReadonlyMustBeABoolean) {
  expect_problem("version: 1\nmounts:\n  - {source: /a, destination: /b, readonly: 2}\n", 3, 45,
                 "mounts[0].readonly: expected true or false, found '2'");
}

// --- resources ---

TEST(SpecErrors, MemoryThatIsNotASizeExplainsTheForm) {
  expect_problem("version: 1\nresources:\n  memory: 64 apples\n", 3, 11,
                 "resources.memory: '64 apples' is not a size; use a number with an optional "
                 "unit: 64Mi, 512M, 1G");
}

TEST(SpecErrors, NegativeMemoryIsRefused) {
  expect_problem("version: 1\nresources: {memory: -64M}\n", 2, 21,
                 "resources.memory: '-64M' is negative");
}

TEST(SpecErrors, ZeroMemoryIsRefused) {
  expect_problem("version: 1\nresources: {memory: 0}\n", 2, 21, "resources.memory: '0' is zero");
}

TEST(SpecErrors, MemoryOverflowIsRefused) {
  expect_problem("version: 1\nresources: {memory: 9999999999G}\n", 2, 21,
                 "resources.memory: '9999999999G' is too large");
}

TEST(SpecErrors, CpuSharesOutOfRangeNamesTheRange) {
  expect_problem("version: 1\nresources: {cpu_shares: 1}\n", 2, 25,
                 "resources.cpu_shares: 1 is out of range; use 2 to 262144");
}

TEST(SpecErrors, PidsMustBeAPositiveInteger) {
  expect_problem("version: 1\nresources: {pids: lots}\n", 2, 19,
                 "resources.pids: expected an integer, found 'lots'");
  expect_problem("version: 1\nresources: {pids: -1}\n", 2, 19,
                 "resources.pids: -1 is out of range; use a positive number");
}

// --- capabilities ---

TEST(SpecErrors, UnknownCapabilitySuggestsTheClosest) {
  expect_problem(
      "version: 1\ncapabilities:\n  add: [NET_ADMN]\n", 3, 9,
      "capabilities.add[0]: unknown capability 'NET_ADMN'; did you mean 'CAP_NET_ADMIN'?");
}

TEST(SpecErrors, CapabilityListMustBeAList) {
  expect_problem("version: 1\ncapabilities: {drop: CHOWN}\n", 2, 22,
                 "capabilities.drop: expected a list of capability names, found 'CHOWN'");
}

// --- driver_options ---

TEST(SpecErrors, DriverOptionValueMustBePlain) {
  expect_problem("version: 1\ndriver_options:\n  lxc: {a: {b: c}}\n", 3, 12,
                 "driver_options.lxc.a: expected a plain value");
}

TEST(SpecErrors, DriverOptionListItemNeedsKeyEqualsValue) {
  expect_problem("version: 1\ndriver_options:\n  lxc: [novalue]\n", 3, 9,
                 "driver_options.lxc[0]: 'novalue' is not KEY=VALUE");
}

TEST(SpecErrors, DriverOptionNameMustNotHoldEquals) {
  expect_problem("version: 1\ndriver_options:\n  lxc: {\"a=b\": c}\n", 3, 9,
                 "driver_options.lxc: 'a=b' is not an option name");
}

TEST(SpecErrors, DriverOptionsMustBeAMappingOfDrivers) {
  expect_problem("version: 1\ndriver_options: [lxc]\n", 2, 17,
                 "driver_options: expected a mapping of keys to values, found a list");
}

// --- many problems at once ---

TEST(SpecErrors, EveryProblemIsReportedInReadingOrder) {
  const std::vector<Diagnostic> found =
      problems("network: bridge\nprocess:\n  args: []\n  tty: maybe\nresources: {memory: lots}\n");
  ASSERT_EQ(found.size(), 5u);
  EXPECT_EQ(found[0].line, 1);  // missing version points at the document
  EXPECT_NE(found[0].message.find("missing 'version'"), std::string::npos);
  EXPECT_EQ(found[1].line, 1);
  EXPECT_NE(found[1].message.find("network"), std::string::npos);
  EXPECT_EQ(found[2].line, 3);
  EXPECT_EQ(found[3].line, 4);
  EXPECT_EQ(found[4].line, 5);
  try {
    parse("network: bridge\nprocess: {tty: maybe}\n", "x.yaml", "/");
    FAIL() << "accepted";
  } catch (const SpecError &e) {
    EXPECT_STREQ(e.what(),
                 "x.yaml:1:1: missing 'version'; start the spec with 'version: 1'\n"
                 "x.yaml:1:10: network: 'bridge' is not a network mode; use one of: none, host\n"
                 "x.yaml:2:16: process.tty: expected true or false, found 'maybe'");
  }
}

TEST(DiagnosticStr, OmitsTheLineAndColumnWhenUnknown) {
  EXPECT_EQ((Diagnostic{"f.yaml", 3, 7, "boom"}).str(), "f.yaml:3:7: boom");
  EXPECT_EQ((Diagnostic{"f.yaml", 3, 0, "boom"}).str(), "f.yaml:3: boom");
  EXPECT_EQ((Diagnostic{"f.yaml", 0, 0, "boom"}).str(), "f.yaml: boom");
}

// --- files ---

TEST(SpecFileErrors, MissingFileNamesThePathAndErrno) {
  try {
    parse_file("/nonexistent/berth/spec.yaml");
    FAIL() << "accepted";
  } catch (const SpecError &e) {
    EXPECT_STREQ(e.what(),
                 "/nonexistent/berth/spec.yaml: cannot open the spec file: No such file or "
                 "directory");
  }
}

TEST(SpecFileErrors, DirectoryIsNotASpecFile) {
  const std::string dir = std::filesystem::temp_directory_path().string();
  try {
    parse_file(dir);
    FAIL() << "accepted";
  } catch (const SpecError &e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_EQ(e.diagnostics()[0].file, dir);
    EXPECT_EQ(e.diagnostics()[0].message, "cannot read the spec file: Is a directory");
  }
}

TEST(SpecFileErrors, ProblemsInAFileAreNamedByItsPath) {
  const std::filesystem::path file = std::filesystem::temp_directory_path() /
                                     ("berth-spec-bad-" + std::to_string(getpid()) + ".yaml");
  { std::ofstream(file) << "version: 1\nnetwork: bridge\n"; }
  try {
    parse_file(file.string());
    std::filesystem::remove(file);
    FAIL() << "accepted";
  } catch (const SpecError &e) {
    std::filesystem::remove(file);
    EXPECT_EQ(std::string(e.what()).rfind(file.string() + ":2:10: network:", 0), 0u) << e.what();
  }
}

// --- hostile input: what the kernel would truncate or refuse ---

TEST(SpecErrors, ANulByteInAnArgumentIsRefusedNotTruncated) {
  expect_problem("version: 1\nprocess:\n  args: [/bin/echo, \"a\\0b\"]\n", 3, 21,
                 "process.args[1]: contains a NUL byte");
}

TEST(SpecErrors, ANulByteInTheEnvironmentOrAPathIsRefused) {
  expect_problem("version: 1\nprocess:\n  env: [\"A=x\\0y\"]\n", 3, 9,
                 "process.env[0]: contains a NUL byte");
  expect_problem("version: 1\nprocess:\n  env: {A: \"x\\0\"}\n", 3, 12,
                 "process.env.A: contains a NUL byte");
  expect_problem("version: 1\nprocess:\n  cwd: \"/tmp\\0/x\"\n", 3, 8,
                 "process.cwd: contains a NUL byte");
  expect_problem("version: 1\nrootfs: \"/srv/root\\0\"\n", 2, 9, "rootfs: contains a NUL byte");
  expect_problem("version: 1\nmounts: [{source: /a, destination: \"/b\\0\"}]\n", 2, 0,
                 "mounts[0].destination: contains a NUL byte");
}

TEST(SpecErrors, AnArgumentLongerThanTheKernelTakesNamesTheLimit) {
  const std::string big(200 * 1024, 'x');
  expect_problem("version: 1\nprocess:\n  args: [/bin/echo, " + big + "]\n", 3, 21,
                 "process.args[1]: 204800 bytes; the kernel takes at most 131071 bytes in one "
                 "argument (MAX_ARG_STRLEN");
  expect_problem("version: 1\nprocess:\n  env: [A=" + big + "]\n", 3, 9,
                 "process.env[0]: 204802 bytes; the kernel takes at most 131071 bytes in one "
                 "variable");
}

TEST(SpecErrors, ArgumentsAndEnvironmentPastArgMaxAreRefusedTogether) {
  // 8 MiB of stack: 2 MiB for a new program. 30 arguments of 100 KiB:
  // each is allowed, together they are not.
  rlimit stack{}, eight{8 << 20, RLIM_INFINITY};
  ASSERT_EQ(::getrlimit(RLIMIT_STACK, &stack), 0);
  eight.rlim_max = stack.rlim_max;
  if (eight.rlim_max != RLIM_INFINITY && eight.rlim_max < eight.rlim_cur)
    eight.rlim_cur = eight.rlim_max;
  ASSERT_EQ(::setrlimit(RLIMIT_STACK, &eight), 0);
  std::string args = "[/bin/echo";
  for (int i = 0; i < 30; ++i) args += ", " + std::string(100 * 1024, 'a');
  expect_problem("version: 1\nprocess:\n  args: " + args + "]\n", 3, 3,
                 "process: args and env take");
  ::setrlimit(RLIMIT_STACK, &stack);
}

TEST(SpecErrors, TheHostsRootIsNoRootfs) {
  expect_problem("version: 1\nrootfs: /\n", 2, 9, "rootfs: '/' is the host's own root directory");
  expect_problem("version: 1\nrootfs: /usr/..\n", 2, 9, "is the host's own root directory");
  // A path that leads there: a symbolic link (or a bind mount) to /.
  char dir[] = "/tmp/berth-spec-test.XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string link = std::string(dir) + "/root";
  ASSERT_EQ(::symlink("/", link.c_str()), 0);
  expect_problem("version: 1\nrootfs: " + link + "\n", 2, 9, "(" + link + " leads to /)");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace berth::spec
