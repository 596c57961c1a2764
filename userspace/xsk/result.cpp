#include "xsk/result.h"

#include <cstring>

namespace xtcp::xsk {

Error make_error(int err, std::string sentence) {
  const int code = err > 0 ? -err : err;
  if (code != 0) {
    sentence += " (";
    sentence += std::strerror(-code);
    sentence += ")";
  }
  return Error{code == 0 ? -EINVAL : code, std::move(sentence)};
}

}  // namespace xtcp::xsk
