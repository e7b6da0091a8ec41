// One HTTP request and its answer, as the served API's handlers see them:
// independent of the server library, so every handler is tested without a
// socket.
//
//   HttpRequest r{.method = "GET", .path = "/api/v1/namespaces/default/pods"};
//   r.query = {{"labelSelector", "app=db"}};
//   HttpResponse a = handler.Handle(r);
#ifndef FERRY_SERVE_HTTP_MESSAGE_H_
#define FERRY_SERVE_HTTP_MESSAGE_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"

namespace ferry::serve {

struct HttpRequest {
  std::string method = "GET";  // "GET", "POST", "PUT", "PATCH", "DELETE"
  std::string path = "/";  // without the query string
  std::vector<std::pair<std::string, std::string>> query = {};  // decoded, in order
  std::map<std::string, std::string> headers = {};  // names in lower case
  std::string body = {};

  // The first value of a query parameter, or "".
  std::string Query(absl::string_view name) const {
    for (const auto& [key, value] : query) {
      if (key == name) return value;
    }
    return "";
  }
  bool HasQuery(absl::string_view name) const {
    for (const auto& [key, value] : query) {
      if (key == name) return true;
    }
    return false;
  }
  // A header's value, or "" (`name` in any case).
  std::string Header(absl::string_view name) const {
    auto it = headers.find(absl::AsciiStrToLower(name));
    return it == headers.end() ? "" : it->second;
  }
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body = {};
};

}  // namespace ferry::serve

#endif  // FERRY_SERVE_HTTP_MESSAGE_H_
