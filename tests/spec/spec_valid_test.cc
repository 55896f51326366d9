// Documents that must parse, and what they turn into.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "spec/spec.h"

namespace berth::spec {
namespace {

Spec parse_ok(const std::string &text, const std::string &base = "/specs") {
  try {
    return parse(text, "test.yaml", base);
  } catch (const SpecError &e) {
    ADD_FAILURE() << "unexpected SpecError:\n" << e.what();
    return Spec{};
  }
}

TEST(SpecValid, MinimalDocumentIsJustTheVersion) {
  const Spec s = parse_ok("version: 1\n");
  EXPECT_EQ(s, Spec{});
  EXPECT_EQ(s.version, 1);
  EXPECT_TRUE(s.rootfs.empty());
  EXPECT_TRUE(s.process.args.empty());
  EXPECT_FALSE(s.network.has_value());
  EXPECT_FALSE(s.capabilities.has_value());
}

TEST(SpecValid, SecurityNoNewPrivilegesIsReadAndRoundTrips) {
  const Spec off = parse_ok("version: 1\nsecurity: {no_new_privileges: false}\n");
  ASSERT_TRUE(off.security.no_new_privileges.has_value());
  EXPECT_FALSE(*off.security.no_new_privileges);
  EXPECT_EQ(parse_ok(to_yaml(off)), off);
  EXPECT_FALSE(parse_ok("version: 1\n").security.no_new_privileges.has_value());
}

const char *kFull = R"(version: 1
rootfs: ./rootfs
process:
  args: [/bin/sh, -c, "echo hi"]
  env: [PATH=/bin, FOO=bar, EMPTY=]
  cwd: /work
  user: "1000:1000"
  tty: false
  stdin: yes
hostname: box.example
mounts:
  - {source: ./data, destination: /data, readonly: true}
  - "/host/path:/in/container:ro"
  - /tmp:/scratch
resources:
  memory: 64Mi
  cpu_shares: 512
  pids: 64
network: none
capabilities: {add: [net_admin, CAP_SYS_TIME], drop: [chown, ALL]}
readonly_rootfs: true
driver_options:
  lxc: {lxc.cgroup.relative: "1", lxc.apparmor.profile: unconfined, number: 5}
  native: ["seccomp=off", "a=b=c"]
)";

TEST(SpecValid, FullDocumentFillsEveryField) {
  const Spec s = parse_ok(kFull, "/specs/app");
  EXPECT_EQ(s.rootfs, "/specs/app/rootfs");
  EXPECT_EQ(s.process.args, (std::vector<std::string>{"/bin/sh", "-c", "echo hi"}));
  EXPECT_EQ(s.process.env, (std::vector<std::string>{"PATH=/bin", "FOO=bar", "EMPTY="}));
  EXPECT_EQ(s.process.cwd, "/work");
  EXPECT_EQ(s.process.user, "1000:1000");
  EXPECT_EQ(s.process.tty, false);
  EXPECT_EQ(s.process.stdin_open, true);
  EXPECT_EQ(s.hostname, "box.example");
  ASSERT_EQ(s.mounts.size(), 3u);
  EXPECT_EQ(s.mounts[0], (Mount{"/specs/app/data", "/data", true}));
  EXPECT_EQ(s.mounts[1], (Mount{"/host/path", "/in/container", true}));
  EXPECT_EQ(s.mounts[2], (Mount{"/tmp", "/scratch", false}));
  EXPECT_EQ(s.resources.memory_bytes, 64 * 1024 * 1024);
  EXPECT_EQ(s.resources.cpu_shares, 512);
  EXPECT_EQ(s.resources.pids, 64);
  EXPECT_EQ(s.network, Network::None);
  ASSERT_TRUE(s.capabilities.has_value());
  EXPECT_EQ(s.capabilities->add, (std::vector<std::string>{"CAP_NET_ADMIN", "CAP_SYS_TIME"}));
  EXPECT_EQ(s.capabilities->drop, (std::vector<std::string>{"CAP_CHOWN", "ALL"}));
  EXPECT_EQ(s.readonly_rootfs, true);
  using Items = std::vector<std::pair<std::string, std::string>>;
  ASSERT_EQ(s.driver_options.size(), 2u);
  EXPECT_EQ(s.driver_options[0].first, "lxc");
  EXPECT_EQ(s.driver_options[0].second, (Items{{"lxc.cgroup.relative", "1"},
                                               {"lxc.apparmor.profile", "unconfined"},
                                               {"number", "5"}}));
  EXPECT_EQ(s.driver_options[1].first, "native");
  EXPECT_EQ(s.driver_options[1].second, (Items{{"seccomp", "off"}, {"a", "b=c"}}));
}

TEST(SpecValid, EnvAsMappingBecomesKeyEqualsValueInOrder) {
  const Spec s = parse_ok("version: 1\nprocess:\n  env: {PATH: /bin, N: 3, B: true, E: \"\"}\n");
  EXPECT_EQ(s.process.env, (std::vector<std::string>{"PATH=/bin", "N=3", "B=true", "E="}));
}

TEST(SpecValid, EnvValueMayContainEqualsSigns) {
  const Spec s = parse_ok("version: 1\nprocess: {env: [\"OPTS=a=b,c=d\"]}\n");
  EXPECT_EQ(s.process.env, (std::vector<std::string>{"OPTS=a=b,c=d"}));
}

TEST(SpecValid, ArgsAcceptNumbersAsStrings) {
  const Spec s = parse_ok("version: 1\nprocess: {args: [sleep, 10]}\n");
  EXPECT_EQ(s.process.args, (std::vector<std::string>{"sleep", "10"}));
}

TEST(SpecValid, UserMayBeAnIntegerOrNames) {
  EXPECT_EQ(parse_ok("version: 1\nprocess: {user: 1000}\n").process.user, "1000");
  EXPECT_EQ(parse_ok("version: 1\nprocess: {user: nobody:nogroup}\n").process.user,
            "nobody:nogroup");
  EXPECT_EQ(parse_ok("version: 1\nprocess: {user: www-data}\n").process.user, "www-data");
}

TEST(SpecValid, MemoryAcceptsEveryUnitForm) {
  const std::vector<std::pair<std::string, int64_t>> cases = {
      {"64Mi", 64LL << 20},  {"64M", 64LL << 20},      {"64m", 64LL << 20},
      {"64MB", 64LL << 20},  {"64MiB", 64LL << 20},    {"1G", 1LL << 30},
      {"1g", 1LL << 30},     {"1Gi", 1LL << 30},       {"512k", 512LL << 10},
      {"512K", 512LL << 10}, {"512Ki", 512LL << 10},   {"512KB", 512LL << 10},
      {"1048576", 1048576},  {"\"1048576\"", 1048576}, {"1.5G", 3LL << 29}};
  for (const auto &[text, bytes] : cases) {
    const Spec s = parse_ok("version: 1\nresources: {memory: " + text + "}\n");
    EXPECT_EQ(s.resources.memory_bytes, bytes) << text;
  }
}

TEST(SpecValid, RelativePathsResolveAgainstTheBaseDirectory) {
  const Spec s = parse_ok(
      "version: 1\nrootfs: ../images/alpine/\nmounts:\n"
      "  - {source: data/../cache, destination: /var//cache/}\n"
      "  - ./logs:/logs\n  - /abs:/abs\n",
      "/home/me/specs");
  EXPECT_EQ(s.rootfs, "/home/me/images/alpine");
  EXPECT_EQ(s.mounts[0].source, "/home/me/specs/cache");
  EXPECT_EQ(s.mounts[0].destination, "/var/cache");
  EXPECT_EQ(s.mounts[1].source, "/home/me/specs/logs");
  EXPECT_EQ(s.mounts[2].source, "/abs");
}

TEST(SpecValid, RelativeBaseDirectoryIsMadeAbsolute) {
  const Spec s = parse_ok("version: 1\nrootfs: rootfs\n", "some/dir");
  EXPECT_EQ(s.rootfs, (std::filesystem::current_path() / "some/dir/rootfs").string());
}

TEST(SpecValid, CapabilitiesAreNormalizedAndRepeatsDropped) {
  const Spec s = parse_ok("version: 1\ncapabilities: {add: [Net_Raw, cap_net_raw, all]}\n");
  ASSERT_TRUE(s.capabilities.has_value());
  EXPECT_EQ(s.capabilities->add, (std::vector<std::string>{"CAP_NET_RAW", "ALL"}));
  EXPECT_TRUE(s.capabilities->drop.empty());
}

TEST(SpecValid, NetworkHostAndBooleanSpellings) {
  const Spec s = parse_ok("version: 1\nnetwork: host\nreadonly_rootfs: no\nprocess: {tty: on}\n");
  EXPECT_EQ(s.network, Network::Host);
  EXPECT_EQ(s.readonly_rootfs, false);
  EXPECT_EQ(s.process.tty, true);
}

TEST(SpecValid, EmptySectionsAreAccepted) {
  const Spec s = parse_ok("version: 1\nprocess:\nmounts:\nresources: {}\ncapabilities:\n");
  EXPECT_EQ(s.process, Process{});
  EXPECT_TRUE(s.mounts.empty());
}

TEST(SpecValid, ToYamlRoundTripsTheFullDocument) {
  const Spec s = parse_ok(kFull, "/specs/app");
  const std::string yaml = to_yaml(s);
  const Spec again = parse_ok(yaml, "/elsewhere");
  EXPECT_EQ(again, s) << yaml;
  // Stable: printing the reparsed spec gives the same text.
  EXPECT_EQ(to_yaml(again), yaml);
}

TEST(SpecValid, ToYamlPrintsNormalizedValuesInAFixedOrder) {
  const std::string yaml = to_yaml(
      parse_ok("readonly_rootfs: true\nresources: {memory: 1k}\ncapabilities: {add: [kill]}\n"
               "rootfs: r\nversion: 1\n",
               "/base"));
  EXPECT_EQ(yaml,
            "version: 1\nrootfs: /base/r\nresources:\n  memory: 1024\n"
            "capabilities:\n  add: [CAP_KILL]\nreadonly_rootfs: true\n");
}

TEST(SpecValid, ToYamlOfTheMinimalSpecIsJustTheVersion) {
  EXPECT_EQ(to_yaml(Spec{}), "version: 1\n");
}

TEST(SpecValid, ToYamlRoundTripsAwkwardStrings) {
  Spec s;
  s.rootfs = "/r o/o t#1";
  s.process.args = {"/bin/sh",
                    "-c",
                    "echo \"hi $(hostname)\" # not a comment",
                    "",
                    "~",
                    "null",
                    "true",
                    "- x",
                    "a: b",
                    "[x]",
                    "{y}",
                    "'q'",
                    "*star",
                    "&amp",
                    "!tag",
                    "%pct",
                    "@at",
                    "`bt",
                    "multi\nline",
                    " lead",
                    "trail ",
                    "0x10",
                    "1e3"};
  s.process.env = {"A=", "B=~", "C=: x"};
  s.process.user = "0";
  s.hostname = "h";
  s.capabilities = Capabilities{};  // present but empty
  s.driver_options = {{"lxc", {{"k", ""}, {"k", "again"}, {"n", "null"}}}, {"empty", {}}};
  const std::string yaml = to_yaml(s);
  EXPECT_EQ(parse_ok(yaml), s) << yaml;
}

TEST(SpecValid, ParseFileResolvesAgainstTheFilesFolder) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("berth-spec-test-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  { std::ofstream(dir / "s.yaml") << "version: 1\nrootfs: ./rootfs\nmounts: [\"d:/d\"]\n"; }
  const Spec s = parse_file((dir / "s.yaml").string());
  std::filesystem::remove_all(dir);
  EXPECT_EQ(s.rootfs, (dir / "rootfs").string());
  EXPECT_EQ(s.mounts.at(0).source, (dir / "d").string());
}

TEST(SpecValid, ExamplesParse) {
  const std::string dir = BERTH_EXAMPLES_DIR;
  const Spec hello = parse_file(dir + "/hello.yaml");
  EXPECT_EQ(hello.hostname, "berth-hello");
  EXPECT_EQ(hello.resources.memory_bytes, 64 << 20);
  EXPECT_EQ(hello.resources.pids, 64);
  EXPECT_EQ(hello.rootfs,
            std::filesystem::path(dir + "/../build/rootfs").lexically_normal().string());
  const Spec full = parse_file(dir + "/full.yaml");
  EXPECT_EQ(full.mounts.size(), 2u);
  EXPECT_TRUE(full.capabilities.has_value());
  EXPECT_FALSE(full.driver_options.empty());
  EXPECT_EQ(parse(to_yaml(full), "again", "/"), full);
}

}  // namespace
}  // namespace berth::spec

namespace berth::spec {
namespace {

TEST(SpecValidate, NormalizesASpecBuiltInCode) {
  Spec s;
  s.rootfs = "/r/./x/";
  s.process.args = {"/bin/true"};
  s.process.env = {"A=1"};
  s.capabilities = Capabilities{{"net_admin"}, {"all"}};
  s.mounts = {Mount{"/src//a/", "/data/", true}};
  const Spec v = validate(s, "command line");
  EXPECT_EQ(v.rootfs, "/r/x");
  EXPECT_EQ(v.capabilities->add, (std::vector<std::string>{"CAP_NET_ADMIN"}));
  EXPECT_EQ(v.capabilities->drop, (std::vector<std::string>{"ALL"}));
  EXPECT_EQ(v.mounts[0], (Mount{"/src/a", "/data", true}));
  EXPECT_EQ(v.process, s.process);
  EXPECT_EQ(validate(v, "again"), v);
}

TEST(SpecValidate, ReportsEveryBadFieldWithoutLines) {
  Spec s;
  s.hostname = "bad_name";
  s.process.env = {"1X=a", "NOEQUALS"};
  s.mounts = {Mount{"/a", "relative", false}};
  try {
    validate(s, "command line");
    FAIL() << "accepted";
  } catch (const SpecError &e) {
    ASSERT_EQ(e.diagnostics().size(), 4u) << e.what();
    for (const Diagnostic &d : e.diagnostics()) {
      EXPECT_EQ(d.file, "command line");
      EXPECT_EQ(d.line, 0);
      EXPECT_EQ(d.column, 0);
    }
    const std::string all = e.what();
    EXPECT_NE(all.find("command line: process.env[0]: '1X' is not a valid variable name"),
              std::string::npos)
        << all;
    EXPECT_NE(all.find("process.env[1]: 'NOEQUALS' is not KEY=VALUE"), std::string::npos) << all;
    EXPECT_NE(all.find("hostname: 'bad_name' is not a valid host name"), std::string::npos) << all;
    EXPECT_NE(all.find("mounts[0].destination: 'relative' is not absolute"), std::string::npos)
        << all;
  }
}

}  // namespace
}  // namespace berth::spec
