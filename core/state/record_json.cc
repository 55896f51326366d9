#include "state/record_json.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

namespace berth::state {
namespace {
using nlohmann::json;

// Builds what a JSON text holds up to the first error (nlohmann's own DOM
// parser keeps nothing of a text that fails): values that were complete
// stay, containers left open and a number the error may have cut short
// ("pid": 12|34) go.
class Salvage : public nlohmann::json_sax<json> {
 public:
  json root;
  bool failed = false;
  std::size_t failed_at = 0;  // byte offset of the error

  bool null() override { return put(nullptr); }
  bool boolean(bool v) override { return put(v); }
  bool number_integer(number_integer_t v) override { return put(v, true); }
  bool number_unsigned(number_unsigned_t v) override { return put(v, true); }
  bool number_float(number_float_t v, const string_t &) override { return put(v, true); }
  bool string(string_t &v) override { return put(v); }
  bool binary(binary_t &) override { return put(nullptr); }  // not in JSON text
  bool start_object(std::size_t) override { return open(json::object()); }
  bool start_array(std::size_t) override { return open(json::array()); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }
  bool key(string_t &k) override {
    last_was_number_ = false;
    if (stack_.size() == 1) {
      top_key_ = k;
      value_pending_ = true;
    }
    slot_ = &(*stack_.back())[k];
    return true;
  }
  bool parse_error(std::size_t position, const std::string &,
                   const nlohmann::detail::exception &) override {
    failed = true;
    failed_at = position;
    if (root.is_object()) {
      if (stack_.size() > 1 || last_was_number_ || value_pending_) root.erase(top_key_);
    } else if (stack_.size() > 0 || last_was_number_) {
      root = nullptr;
    }
    return false;
  }

 private:
  json *place(json v) {
    if (stack_.size() == 1) value_pending_ = false;
    if (stack_.empty()) {
      root = std::move(v);
      return &root;
    }
    json &top = *stack_.back();
    if (top.is_array()) {
      top.push_back(std::move(v));
      return &top.back();
    }
    *slot_ = std::move(v);
    return slot_;
  }
  bool put(json v, bool number = false) {
    place(std::move(v));
    last_was_number_ = number && stack_.size() <= 1;
    return true;
  }
  bool open(json v) {
    last_was_number_ = false;
    stack_.push_back(place(std::move(v)));
    return true;
  }
  bool close() {
    last_was_number_ = false;
    stack_.pop_back();
    return true;
  }

  std::vector<json *> stack_;   // the containers still open, outermost first
  json *slot_ = nullptr;        // where the value after the last key goes
  std::string top_key_;         // the last key of the outermost object
  bool value_pending_ = false;  // top_key_ has no value yet
  bool last_was_number_ = false;
};

const char *type_name(const json &v) {
  switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::string:
      return "a string";
    case json::value_t::array:
      return "a list";
    case json::value_t::object:
      return "an object";
    case json::value_t::number_float:
      return "a fraction";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "a number";
    default:
      return "something else";
  }
}

// Reads the fields of a salvaged object into a Record, noting each one that
// is missing or of the wrong type.
class FieldReader {
 public:
  FieldReader(const json &j, Record *r) : j_(j), r_(r) {}

  void text(const char *key, std::string *out, bool required = false) {
    if (const json *v = find(key, required); v != nullptr) {
      if (v->is_string())
        *out = v->get<std::string>();
      else
        wrong(key, *v, "a string");
    }
  }
  template <typename Int>
  bool integer(const char *key, Int *out, bool required = false) {
    const json *v = find(key, required);
    if (v == nullptr) return false;
    if (v->is_number_integer() && !(v->is_number_unsigned() && v->get<uint64_t>() > INT64_MAX)) {
      int64_t n = v->get<int64_t>();
      if (n >= std::numeric_limits<Int>::min() && n <= std::numeric_limits<Int>::max()) {
        *out = static_cast<Int>(n);
        return true;
      }
    }
    wrong(key, *v, "a whole number");
    return false;
  }
  void optional_int(const char *key, std::optional<int> *out) {
    if (auto it = j_.find(key); it != j_.end() && it->is_null()) return;
    int value = 0;
    if (integer(key, &value)) *out = value;
  }
  void flag(const char *key, bool *out) {
    if (const json *v = find(key, false); v != nullptr) {
      if (v->is_boolean())
        *out = v->get<bool>();
      else
        wrong(key, *v, "true or false");
    }
  }
  void strings(const char *key, std::vector<std::string> *out) {
    if (const json *v = find(key, false); v != nullptr) {
      bool ok = v->is_array() &&
                std::all_of(v->begin(), v->end(), [](const json &e) { return e.is_string(); });
      if (ok)
        *out = v->get<std::vector<std::string>>();
      else
        wrong(key, *v, "a list of strings");
    }
  }
  std::vector<std::string> problems;

 private:
  const json *find(const char *key, bool required) {
    auto it = j_.find(key);
    if (it != j_.end()) return &*it;
    r_->unreadable.push_back(key);
    if (required) problems.push_back(fmt::format("no '{}'", key));
    return nullptr;
  }
  void wrong(const char *key, const json &v, const char *expected) {
    r_->unreadable.push_back(key);
    problems.push_back(fmt::format("'{}' is {}, not {}", key, type_name(v), expected));
  }
  const json &j_;
  Record *r_;
};

const char *const kAllFields[] = {
    "id",         "name",           "driver",      "status",    "pid",    "monitor_pid",
    "created_at", "started_at",     "finished_at", "exit_code", "signal", "oom_killed",
    "detached",   "remove_on_exit", "rootfs",      "args",      "spec"};

}  // namespace

std::string record_to_text(const Record &r) {
  json j{{"id", r.id},
         {"name", r.name},
         {"driver", r.driver},
         {"status", r.status},
         {"pid", r.pid},
         {"monitor_pid", r.monitor_pid},
         {"created_at", r.created_at},
         {"started_at", r.started_at},
         {"finished_at", r.finished_at},
         {"oom_killed", r.oom_killed},
         {"detached", r.detached},
         {"remove_on_exit", r.remove_on_exit},
         {"rootfs", r.rootfs},
         {"args", r.args},
         {"spec", r.spec_yaml}};
  j["exit_code"] = r.exit_code ? json(*r.exit_code) : json(nullptr);
  j["signal"] = r.signal ? json(*r.signal) : json(nullptr);
  return j.dump(2) + "\n";
}

Record record_from_text(const std::string &text, const std::string &id) {
  Record r;
  r.id = id;
  Salvage salvage;
  json::sax_parse(text, &salvage);
  std::vector<std::string> problems;
  if (text.empty()) {
    problems.push_back("state.json is empty");
  } else if (salvage.failed) {
    problems.push_back(fmt::format("state.json is truncated or garbled at byte {} of {}",
                                   salvage.failed_at, text.size()));
  }
  if (!salvage.root.is_object()) {
    if (!text.empty() && !salvage.failed)
      problems.push_back(fmt::format("state.json holds {}, not a record", type_name(salvage.root)));
    r.unreadable.assign(std::begin(kAllFields), std::end(kAllFields));
    r.status = "unknown";
    r.damage = problems.front();
    return r;
  }
  FieldReader f(salvage.root, &r);
  std::string recorded_id = id;
  f.text("id", &recorded_id, true);
  if (recorded_id != id) {
    problems.push_back(fmt::format("'id' is '{}', not its directory's name", recorded_id));
    r.unreadable.push_back("id");
  }
  f.text("name", &r.name, true);
  f.text("driver", &r.driver, true);
  f.text("status", &r.status, true);
  if (r.status != "created" && r.status != "running" && r.status != "exited" &&
      std::find(r.unreadable.begin(), r.unreadable.end(), "status") == r.unreadable.end()) {
    problems.push_back(fmt::format("'status' is '{}', not created, running or exited", r.status));
    r.unreadable.push_back("status");
  }
  f.integer("pid", &r.pid, true);
  f.integer("monitor_pid", &r.monitor_pid, true);
  f.text("created_at", &r.created_at);
  f.text("started_at", &r.started_at);
  f.text("finished_at", &r.finished_at);
  f.optional_int("exit_code", &r.exit_code);
  f.optional_int("signal", &r.signal);
  f.flag("oom_killed", &r.oom_killed);
  f.flag("detached", &r.detached);
  f.flag("remove_on_exit", &r.remove_on_exit);
  f.text("rootfs", &r.rootfs);
  f.strings("args", &r.args);
  f.text("spec", &r.spec_yaml);
  // A truncated file explains its missing fields; a whole one names them.
  if (!salvage.failed) problems.insert(problems.end(), f.problems.begin(), f.problems.end());
  if (!problems.empty()) {
    r.damage = problems.front();
    for (size_t i = 1; i < problems.size(); ++i) r.damage += "; " + problems[i];
    if (std::find(r.unreadable.begin(), r.unreadable.end(), "status") != r.unreadable.end())
      r.status = "unknown";
  }
  return r;
}

json record_view(const Record &r) {
  json all = json::parse(record_to_text(r));
  for (const std::string &key : r.unreadable)
    if (key != "id") all.erase(key);
  if (!r.damage.empty()) all["damage"] = r.damage;
  return all;
}

}  // namespace berth::state
