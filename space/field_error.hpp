// Errors about one value a library was handed as an argument (not read from a file), named as the library
// names it, so that a front end can say it in its own spelling.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "space/error.hpp"
#include "space/names.hpp"

namespace cpx {

// The values the libraries refuse by name: each is a field of an options struct or an argument, spelled
// as there (and as the Python module's keyword arguments, where it takes them). A new one is an enumerator and a row,
// and the command line's table of flags (explorer/option_checks.cpp) then asks for its flag.
enum class Field {
  device,
  samples,
  seed,
  ood,
  rounds,
  min_time_s,
  budget_s,
  resolution,
  threads,
  evaluations,
  population,
  accuracy,
  space,
  max_latency_ms,
  max_params,
  max_macs,
  layers_model,
  hardware,
  host_from,
  apply,
  quiet_machine_check,
  allow_noisy,
  profile,
  skip_unknown,
  out,
  resume,
  runtime,
  min_runs,
  published,
  zero_shot
};
inline constexpr Names<Field, 30> field_names{{
    {Field::device, "device"},
    {Field::samples, "samples"},
    {Field::seed, "seed"},
    {Field::ood, "ood"},
    {Field::rounds, "rounds"},
    {Field::min_time_s, "min_time_s"},
    {Field::budget_s, "budget_s"},
    {Field::resolution, "resolution"},
    {Field::threads, "threads"},
    {Field::evaluations, "evaluations"},
    {Field::population, "population"},
    {Field::accuracy, "accuracy"},
    {Field::space, "space"},
    {Field::max_latency_ms, "max_latency_ms"},
    {Field::max_params, "max_params"},
    {Field::max_macs, "max_macs"},
    {Field::layers_model, "layers_model"},
    {Field::hardware, "hardware"},
    {Field::host_from, "host_from"},
    {Field::apply, "apply"},
    {Field::quiet_machine_check, "quiet_machine_check"},
    {Field::allow_noisy, "allow_noisy"},
    {Field::profile, "profile"},
    {Field::skip_unknown, "skip_unknown"},
    {Field::out, "out"},
    {Field::resume, "resume"},
    {Field::runtime, "runtime"},
    {Field::min_runs, "min_runs"},
    {Field::published, "published"},
    {Field::zero_shot, "zero_shot"},
}};
inline std::string_view to_string(Field f) { return field_names.name_of(f); }

// Words that name options (advice on what to pass or run next): text, each option in it a Field, said by
// whoever prints it in its own spelling: the libraries by the field's name, a front end by its own
// (explorer::cli_message: the flag), so that the user reads the option to type.
class Wording {
 public:
  using Part = std::variant<std::string, Field>;
  Wording() = default;
  Wording(std::string text) : parts_{std::move(text)} {}    // NOLINT: plain text names no option
  Wording(const char* text) : parts_{std::string(text)} {}  // NOLINT
  Wording(std::initializer_list<Part> parts) : parts_(parts) {}
  template <class Spell>  // std::string_view(Field)
  std::string spelled(Spell spell) const {
    std::string out;
    for (const Part& p : parts_)
      out += std::holds_alternative<Field>(p) ? std::string(spell(std::get<Field>(p))) : std::get<std::string>(p);
    return out;
  }
  std::string str() const {
    return spelled([](Field f) { return to_string(f); });
  }
  bool empty() const { return parts_.empty(); }

 private:
  std::vector<Part> parts_;
};

// Bad input whose advice names options (Wording), without a value of one refused: "<advice>", said by a
// front end in its spelling (explorer::cli_message).
class AdvisedError : public InputError {
 public:
  explicit AdvisedError(Wording message) : InputError(message.str()), message_(std::move(message)) {}
  const Wording& message() const { return message_; }

 private:
  Wording message_;
};

// "<field> = <value>: <reason>", or "<field>: <reason>" for a switch (a field without a value, e.g. a check
// that could not run). A front end that took the value under another spelling says it in that spelling
// (the command line and the Python module: the flag, explorer::cli_message), so that a user reads the
// option they typed.
class FieldError : public InputError {
 public:
  FieldError(Field field, std::string value, Wording reason)
      : InputError(std::string(to_string(field)) + " = " + value + ": " + reason.str()),
        field_(field),
        value_(std::move(value)),
        reason_(std::move(reason)) {}
  FieldError(Field field, Wording reason)
      : InputError(std::string(to_string(field)) + ": " + reason.str()), field_(field), reason_(std::move(reason)) {}
  Field field() const { return field_; }
  // As the message writes it (a string quoted); empty for a switch.
  const std::string& value() const { return value_; }
  // Advice in it may name other options (Wording).
  const Wording& reason() const { return reason_; }

 private:
  Field field_;
  std::string value_;
  Wording reason_;
};

}  // namespace cpx
