// Names<E>: one names table per enum (issue 74), its lookups, its errors, and the tables converted to it.
#include <catch2/catch.hpp>

#include "error_of.hpp"
#include "explorer/accuracy.hpp"
#include "predictor/calibration_method.hpp"
#include "predictor/fit_options.hpp"
#include "predictor/fit_report.hpp"
#include "space/names.hpp"
#include "space/recognise.hpp"
#include "space/rewrite.hpp"

using namespace cpx;

namespace test_names {

enum class Colour { red, green, blue };
constexpr Names<Colour, 3> colour_names{{{Colour::red, "red"}, {Colour::green, "green"}, {Colour::blue, "blue"}}};

// Every value's name finds the value back, and the names are the table's, in the enum's order.
template <class E, size_t N>
void check_round_trip(const Names<E, N>& names) {
  REQUIRE(names.all().size() == N);
  for (size_t i = 0; i < N; ++i) {
    const E e = static_cast<E>(i);
    CHECK(names.all()[i] == names.name_of(e));
    CHECK(names.find(names.name_of(e)) == e);
  }
}

}  // namespace test_names

using namespace test_names;

TEST_CASE("Names: name_of and find are each other's inverse, an unknown name is found nowhere", "[names]") {
  STATIC_REQUIRE(colour_names.name_of(Colour::green) == "green");
  STATIC_REQUIRE(colour_names.find("blue") == Colour::blue);
  CHECK_FALSE(colour_names.find("Blue").has_value());
  CHECK_FALSE(colour_names.find("").has_value());
  CHECK(colour_names.joined() == "red, green or blue");
  CHECK(colour_names.joined(" and ") == "red, green and blue");
}

TEST_CASE("Names: parse names the field and the value, lists the names and suggests the close one", "[names]") {
  CHECK(colour_names.parse("green", "--colour") == Colour::green);
  CHECK(error_of([] { colour_names.parse("gren", "--colour"); }) ==
        "--colour = \"gren\": not one of red, green, blue; did you mean green, red?");
  CHECK(error_of([] { colour_names.parse("purple", "colour"); }) == "colour = \"purple\": not one of red, green, blue");
}

TEST_CASE("Names: the converted tables name every value once, in the enum's order", "[names]") {
  check_round_trip(block_kind_names);
  check_round_trip(rewrite_kind_names);
  check_round_trip(predictor::method_names);
  check_round_trip(predictor::timed_by_names);
  check_round_trip(predictor::model_kind_names);
  check_round_trip(explorer::capacity_feature_names);
  CHECK(to_string(BlockKind::depthwise_separable) == "depthwise_separable");
  CHECK(to_string(RewriteKind::kernel_2x2) == "kernel_2x2");
  CHECK(predictor::to_string(predictor::CalibrationMethod::hardware_transfer) == "hardware_transfer");
  CHECK(predictor::to_string(predictor::ModelKind::roofline_trees) == "roofline+trees");
}

TEST_CASE("Names: fit's options read and write the names they did as if-chains", "[names]") {
  using predictor::FitOptions;
  CHECK(predictor::selection_from_string("balanced", "--select") == FitOptions::Selection::balanced);
  CHECK(predictor::to_string(FitOptions::Selection::kfold) == "kfold");
  CHECK(predictor::to_string(FitOptions::ZooFamilies::half) == "half");
  CHECK(predictor::to_string(FitOptions::SpeedCorrection::none) == "none");
  CHECK(error_of([] { predictor::selection_from_string("largest", "--select"); }) ==
        "--select = \"largest\": expected kfold or balanced");
  CHECK(error_of([] { predictor::zoo_families_from_string("all", "zoo_families"); }) ==
        "zoo_families = \"all\": expected none or half");
}

TEST_CASE("Names: a capacity feature reads the same by value and by name", "[names]") {
  explorer::Capacity c;
  c.log_macs = 20;
  c.log_params = 15;
  c.width_growth = 0.5;
  CHECK(explorer::feature(c, explorer::CapacityFeature::log_params_per_mac) == -5);
  CHECK(explorer::feature(c, "log_params_per_mac") == -5);
  CHECK(explorer::feature(c, "width_growth") == 0.5);
  CHECK_THROWS_AS(explorer::feature(c, "log_flops"), std::logic_error);
}
