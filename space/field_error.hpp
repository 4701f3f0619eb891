// Errors about one value a library was handed as an argument (not read from a file), named as the library
// names it, so that a front end can say it in its own spelling.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "space/error.hpp"

namespace cpx {

// The values the libraries refuse by name: each is a field of an options struct or an argument, spelled
// as there (and as the Python module's keyword arguments, where it takes them). A new one is an enumerator and a row, and the
// command line's table of flags (explorer/option_checks.cpp) then asks for its flag.
enum class Field {
  device, samples, seed, ood, rounds, min_time_s, budget_s, resolution, threads,
  evaluations, population, accuracy, space, max_latency_ms, max_params, max_macs, layers_model, hardware, host_from,
  apply, quiet_machine_check, resume
};
inline constexpr auto field_names = std::to_array<std::string_view>({
    "device", "samples", "seed", "ood", "rounds", "min_time_s", "budget_s", "resolution", "threads",
    "evaluations", "population", "accuracy", "space", "max_latency_ms", "max_params", "max_macs", "layers_model",
    "hardware", "host_from", "apply", "quiet_machine_check", "resume"});
static_assert(field_names.size() == static_cast<size_t>(Field::resume) + 1, "one name per Field");
inline std::string_view to_string(Field f) { return field_names[static_cast<size_t>(f)]; }

// A sentence that names at most one of these fields as advice (what to run next, not a refused value):
// "<before><field><after>". Kept in parts so that a front end says the field in its own spelling
// (explorer::cli_message: "start afresh without --resume"); text() says it as the library names it.
struct FieldMention {
  std::string before;
  std::optional<Field> field;
  std::string after;
  std::string spelled(std::string_view name) const { return before + (field ? std::string(name) : std::string()) + after; }
  std::string text() const { return spelled(field ? to_string(*field) : std::string_view()); }
};

// "<field> = <value>: <reason>", or "<field>: <reason>" for a switch (a field without a value, e.g. a check
// that could not run). A front end that took the value under another spelling says it in that spelling
// (the command line and the Python module: the flag, explorer::cli_message), so that a user reads the
// option they typed.
class FieldError : public InputError {
 public:
  FieldError(Field field, std::string value, const std::string& reason)
      : InputError(std::string(to_string(field)) + " = " + value + ": " + reason), field_(field), value_(std::move(value)), reason_(reason) {}
  FieldError(Field field, const std::string& reason)
      : InputError(std::string(to_string(field)) + ": " + reason), field_(field), reason_(reason) {}
  // Advice naming the field inside the message (its `field` is set), not a value refused: mention.text().
  explicit FieldError(FieldMention mention) : InputError(mention.text()), field_(*mention.field), mention_(std::move(mention)) {}
  Field field() const { return field_; }
  const std::optional<FieldMention>& mention() const { return mention_; }
  // As the message writes it (a string quoted); empty for a switch.
  const std::string& value() const { return value_; }
  const std::string& reason() const { return reason_; }

 private:
  Field field_;
  std::string value_, reason_;
  std::optional<FieldMention> mention_;
};

}  // namespace cpx
