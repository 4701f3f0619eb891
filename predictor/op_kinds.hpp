// What a calibration's networks exercise, and how much of a prediction rests on work they did not. A device
// calibrated from a dozen whole-network latencies knows only the kinds of work those networks spend their
// time in: a network that spends its time elsewhere (7x7 depthwise convs, GELU, attention on a device
// calibrated on plain CNNs) is predicted from the host's relative costs, transferred, and deserves a wider
// interval that says so.
//
// Kinds are finer than the predictor's op classes where devices differ: depthwise convs by kernel size,
// each transcendental activation on its own (an unfused activation of a conv is a pass of that kind), norms,
// attention, pooling. Shares are of the host model's predicted time (the one model every method carries),
// so they do not depend on which method a device uses.
#pragma once

#include <array>
#include <compare>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "space/names.hpp"
#include "space/network.hpp"

namespace cpx::predictor {

// The classes of work a kind refines: a conv's by its window and dilation, an activation by its function.
enum class WorkClass {
  depthwise,
  grouped_conv,
  pointwise_conv,
  dense_conv,
  transposed_conv,
  classifier,
  attention,
  norm,
  activation,
  elementwise,
  prelu,
  global_pooling,
  pooling,
  resize,
  data_movement,
  pixel_shuffle,
  clamp,
  class_token,
  window_partition
};
inline constexpr Names<WorkClass, 19> work_class_names{{
    {WorkClass::depthwise, "depthwise"},
    {WorkClass::grouped_conv, "grouped conv"},
    {WorkClass::pointwise_conv, "pointwise conv"},
    {WorkClass::dense_conv, "dense conv"},
    {WorkClass::transposed_conv, "transposed conv"},
    {WorkClass::classifier, "classifier"},
    {WorkClass::attention, "attention"},
    {WorkClass::norm, "norm"},
    {WorkClass::activation, "activation"},
    {WorkClass::elementwise, "elementwise"},
    {WorkClass::prelu, "prelu"},
    {WorkClass::global_pooling, "global pooling"},
    {WorkClass::pooling, "pooling"},
    {WorkClass::resize, "resize"},
    {WorkClass::data_movement, "data movement"},
    {WorkClass::pixel_shuffle, "pixel shuffle"},
    {WorkClass::clamp, "clamp"},
    {WorkClass::class_token, "class token"},
    {WorkClass::window_partition, "window partition"},
}};

// A kind of work. Its name (to_string) is what files and messages say: the class's name, then for a
// depthwise or dense conv its window ("3x3") and for a dilated depthwise, grouped or dense conv "dilated"
// ("dense conv 3x3 dilated"); an activation is named by its function alone ("gelu"). Ordered as its name
// is, so that maps by kind iterate (and sum) in the order device files have always listed them.
struct OpKind {
  WorkClass work = WorkClass::elementwise;
  std::array<int64_t, 2> window{0, 0};     // a depthwise or dense conv's kernel; {0, 0} for the rest
  bool dilated = false;                    // a depthwise, grouped or dense conv with taps apart
  Activation function = Activation::none;  // WorkClass::activation's; none for the other classes
  bool operator==(const OpKind&) const = default;
};
std::strong_ordering operator<=>(const OpKind& a, const OpKind& b);
std::string to_string(const OpKind& k);
// The kind `name` names (to_string's inverse), or nullopt.
std::optional<OpKind> parse_op_kind(std::string_view name);
// A map by kind as a file writes it: an object of name: value, the names in the order of their text.
Json kinds_json(const std::map<OpKind, double>& by_kind);
// The inverse, each value read as ObjectReader::number(name, lo, hi); a name that is no kind is an
// InputError naming it ("<where>.<name>: not a kind of work; e.g. dense conv 3x3, depthwise 7x7, gelu").
std::map<OpKind, double> kinds_from_json(const Json& j, const Where& where, double lo, double hi);

// The kind of op i's own work, e.g. depthwise 7x7, dense conv 3x3, gelu, attention.
OpKind op_kind(const Network& net, size_t op);
// The kind of the activation pass op i applies to its output (gelu, relu, ...; the activation none if it
// has none).
OpKind activation_kind(const Network& net, size_t op);

// A calibration's kinds: each kind's mean share of its networks' predicted time (every network weighs the
// same). A kind below calibrated_kind_share is one the calibration barely exercised.
inline constexpr double calibrated_kind_share = 0.01;

// The share of `times` in kinds the calibration barely exercised, and those kinds by share (largest first).
struct Uncalibrated {
  double share = 0;
  std::vector<std::pair<OpKind, double>> kinds;
};
Uncalibrated uncalibrated_work(const std::map<OpKind, double>& times_us, const std::map<OpKind, double>& kind_share);

}  // namespace cpx::predictor
