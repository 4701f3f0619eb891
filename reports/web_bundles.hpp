// The charting libraries, minified, from reports/web/package-lock.json; generated at build time by
// reports/web/embed.cmake so that an installed binary needs no files beside it.
#pragma once

namespace cpx::reports::web {

extern const char* const vega_js;
extern const char* const vega_lite_js;
extern const char* const vega_embed_js;
extern const char* const versions;  // "vega 5.33.1, vega-lite 5.23.0, vega-embed 6.29.0"

}  // namespace cpx::reports::web
