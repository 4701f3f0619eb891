#include "reports/report.hpp"

#include <algorithm>
#include <cctype>

#include "reports/parts.hpp"
#include "reports/web_bundles.hpp"
#include "space/io.hpp"

namespace cpx::reports {

namespace {

std::string html_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string md_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out;
}

// JSON inside <script>: "<" only occurs inside strings, where \u003c means the same and cannot close the tag.
std::string script_json(const Json& j) {
  std::string s = j.dump();
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '<') out += "\\u003c";
    else out += c;
  }
  return out;
}

bool is_number_cell(const std::string& s) {
  return !s.empty() &&
         (std::isdigit(static_cast<unsigned char>(s[0])) ||
          ((s[0] == '-' || s[0] == '+') && s.size() > 1 && std::isdigit(static_cast<unsigned char>(s[1]))));
}

std::string table_html(const Table& t, const std::string& tag) {
  std::string h = "<" + tag + ">" + html_escape(t.heading) + "</" + tag + ">\n";
  if (!t.note.empty()) h += "<p class=\"note\">" + html_escape(t.note) + "</p>\n";
  h += "<div class=\"table-wrap\"><table>\n<thead><tr>";
  for (const auto& c : t.header) h += "<th>" + html_escape(c) + "</th>";
  h += "</tr></thead>\n<tbody>\n";
  for (const auto& row : t.rows) {
    h += "<tr>";
    for (const auto& cell : row)
      h += std::string(is_number_cell(cell) ? "<td class=\"num\">" : "<td>") + html_escape(cell) + "</td>";
    h += "</tr>\n";
  }
  return h + "</tbody></table></div>\n";
}

std::string table_md(const Table& t, const std::string& hashes) {
  std::string m = hashes + " " + md_escape(t.heading) + "\n\n";
  if (!t.note.empty()) m += md_escape(t.note) + "\n\n";
  m += "|";
  for (const auto& c : t.header) m += " " + md_escape(c) + " |";
  m += "\n|";
  for (size_t i = 0; i < t.header.size(); ++i) m += " --- |";
  m += "\n";
  for (const auto& row : t.rows) {
    m += "|";
    for (const auto& cell : row) m += " " + md_escape(cell) + " |";
    m += "\n";
  }
  if (t.rows.empty()) m += "\n(no rows)\n";
  return m + "\n";
}

std::vector<std::string> chart_data_files(const Chart& c) {
  std::vector<std::string> files;
  if (c.spec.is_object())
    for (const auto& [name, rows] : c.spec["datasets"].items()) files.push_back("data/" + name + ".csv");
  return files;
}

constexpr const char* style = R"css(
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0 auto; max-width: 1500px; padding: 0 24px 48px; color: #222; }
header { border-bottom: 2px solid #4c78a8; margin-bottom: 16px; }
h1 { margin: 18px 0 4px; font-size: 26px; }
h2 { margin: 28px 0 8px; font-size: 20px; }
h3 { margin: 16px 0 6px; font-size: 15px; }
.context { margin: 2px 0; color: #444; }
.verdict { margin: 10px 0 12px; font-size: 17px; font-weight: 600; }
.missing { background: #fff4e5; border-left: 4px solid #f58518; padding: 4px 16px; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(680px, 1fr)); gap: 16px 28px; }
figure { margin: 0; }
figcaption, .note { color: #444; font-size: 14px; max-width: 760px; }
.nochart { background: #f3f3f3; padding: 24px; color: #555; }
.data { font-size: 12px; color: #666; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; font-size: 13px; margin: 4px 0 12px; }
th, td { border-bottom: 1px solid #ddd; padding: 3px 10px; text-align: left; vertical-align: top; }
th { background: #f2f5f9; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
details summary { cursor: pointer; font-weight: 600; }
footer { margin-top: 32px; font-size: 12px; color: #666; }
)css";

// Renders every chart; sets body[data-rendered] to "ok" or "failed" so a headless check knows when to look.
constexpr const char* boot = R"js(
(function () {
  var charts = JSON.parse(document.getElementById('cpx-specs').textContent);
  var options = {mode: 'vega-lite', renderer: 'svg', actions: {export: true, source: false, compiled: false, editor: false}};
  Promise.allSettled(charts.map(function (c) { return vegaEmbed('#' + c.id, c.spec, options); })).then(function (results) {
    var failed = 0;
    results.forEach(function (r, i) {
      if (r.status === 'fulfilled') return;
      failed++;
      console.error('chart ' + charts[i].id + ' failed: ' + r.reason);
      document.getElementById(charts[i].id).textContent = 'This chart failed to render: ' + r.reason;
    });
    document.body.setAttribute('data-rendered', failed ? 'failed' : 'ok');
  });
})();
)js";

}  // namespace

std::string embedded_libraries() { return web::versions; }

std::string to_html(const Report& rep) {
  std::string h =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
      html_escape(rep.title) + "</title>\n<style>" + style + "</style>\n";
  h += "<!-- " + std::string(web::versions) + " (BSD-3-Clause), embedded so that the page works offline -->\n";
  for (const char* lib : {web::vega_js, web::vega_lite_js, web::vega_embed_js})
    h += "<script>" + std::string(lib) + "</script>\n";
  h += "</head>\n<body>\n<header>\n<h1>" + html_escape(rep.title) + "</h1>\n";
  for (const auto& line : rep.context) h += "<p class=\"context\">" + html_escape(line) + "</p>\n";
  if (!rep.verdict.empty()) h += "<p class=\"verdict\" id=\"verdict\">" + html_escape(rep.verdict) + "</p>\n";
  h += "</header>\n<section id=\"summary\">\n<h2>Key findings</h2>\n<ul>\n";
  for (const auto& s : rep.summary) h += "<li>" + html_escape(s) + "</li>\n";
  h += "</ul>\n</section>\n<section id=\"missing\" class=\"missing\">\n<h2>Missing data</h2>\n";
  if (rep.missing.empty()) h += "<p>Nothing: every figure the report shows was available.</p>\n";
  else {
    h += "<ul>\n";
    for (const auto& m : rep.missing) h += "<li>" + html_escape(m) + "</li>\n";
    h += "</ul>\n";
  }
  h += "</section>\n<section class=\"charts\">\n";
  Json specs = Json::array();
  for (const auto& c : rep.charts) {
    h += "<figure>\n<h2>" + html_escape(c.heading) + "</h2>\n";
    if (c.spec.is_null()) {
      h += "<div class=\"nochart\">Not drawn: see the caption.</div>\n";
    } else {
      h += "<div class=\"cpx-chart\" id=\"" + c.id + "\" data-min-marks=\"" + std::to_string(c.min_marks) +
           "\"></div>\n";
      specs.push_back({{"id", c.id}, {"spec", c.spec}});
    }
    h += "<figcaption>" + html_escape(c.caption) + "</figcaption>\n";
    const auto files = chart_data_files(c);
    if (!files.empty()) {
      std::string list;
      for (const auto& f : files) list += (list.empty() ? "" : ", ") + f;
      h += "<p class=\"data\">Data: " + html_escape(list) + "</p>\n";
    }
    for (const auto& t : c.findings) h += table_html(t, "h3");
    h += "</figure>\n";
  }
  h += "</section>\n<section id=\"tables\">\n";
  for (const auto& t : rep.tables) {
    if (t.folded) {
      h += "<details>\n<summary>" + html_escape(t.heading) + " (" + std::to_string(t.rows.size()) +
           " rows)</summary>\n" + table_html(t, "h2") + "</details>\n";
    } else {
      h += table_html(t, "h2");
    }
  }
  h += "</section>\n<footer>Generated by cpubone-explore report; charts drawn with " + html_escape(web::versions) +
       ". Data behind every chart: data/*.csv; the input: " + html_escape(rep.input_file) + ".</footer>\n";
  h += "<script type=\"application/json\" id=\"cpx-specs\">" + script_json(specs) + "</script>\n";
  h += "<script>" + std::string(boot) + "</script>\n</body>\n</html>\n";
  return h;
}

std::string to_markdown(const Report& rep) {
  std::string m = "# " + md_escape(rep.title) + "\n\n";
  for (const auto& line : rep.context) m += md_escape(line) + "  \n";
  if (!rep.verdict.empty()) m += "\n**" + md_escape(rep.verdict) + "**\n";
  m += "\n## Key findings\n\n";
  for (const auto& s : rep.summary) m += "- " + md_escape(s) + "\n";
  m += "\n## Missing data\n\n";
  if (rep.missing.empty()) m += "Nothing: every figure the report shows was available.\n";
  for (const auto& s : rep.missing) m += "- " + md_escape(s) + "\n";
  for (const auto& c : rep.charts) {
    m += "\n## " + md_escape(c.heading) + "\n\n" + md_escape(c.caption) + "\n\n";
    const auto files = chart_data_files(c);
    if (!files.empty()) {
      m += "Chart in report.html; data:";
      for (const auto& f : files) m += " [" + f + "](" + f + ")";
      m += "\n\n";
    }
    for (const auto& t : c.findings) m += table_md(t, "###");
  }
  for (const auto& t : rep.tables) m += "\n" + table_md(t, "##");
  m += "\nGenerated by cpubone-explore report. Data behind every chart: data/*.csv; the input: " + rep.input_file +
       ".\n";
  return m;
}

namespace {

// `input` is what results.json beside the page holds: the file as read, or the document as the explorer writes it.
Rendered render_document(const Results& r, const std::string& results_file, const std::filesystem::path& out_dir,
                         const Json& input) {
  Report rep;
  const std::string& device = r.device.name;
  rep.title = "Speed-accuracy report: " + device;
  const int64_t threads = r.device.threads;
  rep.context.push_back("Device " + device + ": " + r.device.runtime + ", " + std::to_string(threads) +
                        (threads == 1 ? " thread" : " threads") + ", " +
                        (r.device.measured ? "profiled on this machine."
                                           : "calibrated from published latencies (predicted, not measured here)."));
  rep.context.push_back("Accuracy model " + r.accuracy_model.name + " (" +
                        named(results::accuracy_kind_names, r.accuracy_model.kind) +
                        "): " + r.accuracy_model.description);
  rep.context.push_back("From " + results_file + ", created " + r.created + " by `" + r.tool.command + "` (" +
                        r.tool.name + " " + r.tool.version + ").");
  rep.missing = r.missing;
  build_datasets(r, rep);
  build_charts(r, rep);
  build_tables(r, rep);
  // The explorer may already name what the report finds missing; say each thing once.
  std::vector<std::string> unique;
  for (const auto& m : rep.missing)
    if (std::find(unique.begin(), unique.end(), m) == unique.end()) unique.push_back(m);
  rep.missing = unique;

  return write_report(rep, input, "report", out_dir);
}

}  // namespace

Rendered render(const Json& results, const std::string& results_file, const std::filesystem::path& out_dir) {
  return render_document(results_from_json(results, results_file), results_file, out_dir, results);
}

Rendered render(const Results& results, const std::string& results_file, const std::filesystem::path& out_dir) {
  return render_document(results, results_file, out_dir, to_json(results));
}

Rendered write_report(const Report& rep, const Json& input, const std::string& stem,
                      const std::filesystem::path& out_dir) {
  // Everything in memory before the first write: bad input leaves out_dir untouched.
  std::vector<std::pair<std::filesystem::path, std::string>> files;
  files.emplace_back(out_dir / (stem + ".html"), to_html(rep));
  files.emplace_back(out_dir / (stem + ".md"), to_markdown(rep));
  for (const auto& d : rep.datasets) files.emplace_back(out_dir / "data" / (d.name + ".csv"), to_csv(d));
  files.emplace_back(out_dir / rep.input_file, input.dump(2) + "\n");

  std::error_code ec;
  std::filesystem::create_directories(out_dir / "data", ec);
  if (ec) throw InputError((out_dir / "data").string() + ": cannot create directory: " + ec.message());
  Rendered out;
  for (const auto& [path, content] : files) {
    write_file_atomic(path.string(), content);
    out.files.push_back(path);
  }
  out.missing = rep.missing;
  return out;
}

}  // namespace cpx::reports
