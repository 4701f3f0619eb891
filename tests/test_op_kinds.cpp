// The kind of work the predictor keys a device's calibration on (predictor/op_kinds.hpp): a struct inside,
// its name only in files and messages, read back from it, and ordered as its name so that device files
// list kinds in the order they always have.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include "error_of.hpp"
#include "predictor/op_kinds.hpp"
#include "space/zoo.hpp"

using namespace cpx;
using predictor::OpKind;
using predictor::WorkClass;

TEST_CASE("a kind of work has the name device files use, and the name reads back to the kind") {
  CHECK(to_string(OpKind{WorkClass::dense_conv, {3, 3}, true}) == "dense conv 3x3 dilated");
  CHECK(to_string(OpKind{WorkClass::depthwise, {7, 7}}) == "depthwise 7x7");
  CHECK(to_string(OpKind{WorkClass::grouped_conv, {0, 0}, true}) == "grouped conv dilated");
  CHECK(to_string(OpKind{WorkClass::data_movement}) == "data movement");
  CHECK(to_string(OpKind{WorkClass::activation, {0, 0}, false, Activation::gelu}) == "gelu");
  std::set<OpKind> kinds;
  for (const ZooEntry& z : zoo()) {
    const Network net = z.build(z.resolution);
    for (size_t i = 0; i < net.ops.size(); ++i)
      kinds.insert({predictor::op_kind(net, i), predictor::activation_kind(net, i)});
  }
  CHECK(kinds.size() > 20);
  std::vector<std::string> names;
  for (const OpKind& k : kinds) {
    INFO(to_string(k));
    CHECK(predictor::parse_op_kind(to_string(k)) == k);
    names.push_back(to_string(k));
  }
  // Ordered as the names are: a map by kind lists (and sums) its entries as a map by name did.
  CHECK(std::is_sorted(names.begin(), names.end()));
  CHECK(std::adjacent_find(names.begin(), names.end()) == names.end());
}

TEST_CASE("a name no op is given is no kind, and a device file that says one is refused naming it") {
  for (const char* name :
       {"", "dense conv", "dense conv 3x", "dense conv 0x3", "grouped conv 3x3", "pointwise conv dilated", "activation",
        "gelu 3x3", "depthwise 7x7 dilated ", "attention dilated", "fast convs"})
    CHECK_FALSE(predictor::parse_op_kind(name));
  const Json shares = {
      {"dense conv 3x3", 0.5}, {"depthwise 5x5 dilated", 0.25}, {"gelu", 0.25}};  // in the order of the names
  const auto read = predictor::kinds_from_json(shares, Where("d.json", "kinds"), 0, 1);
  CHECK(read.size() == 3);
  CHECK(read.at(OpKind{WorkClass::depthwise, {5, 5}, true}) == 0.25);
  CHECK(predictor::kinds_json(read) == shares);
  CHECK(error_of([] {
          predictor::kinds_from_json({{"fast convs", 0.5}}, Where("d.json", "kinds"), 0, 1);
        }) == "d.json: kinds.fast convs: not a kind of work; e.g. dense conv 3x3, depthwise 7x7 dilated, gelu");
}
