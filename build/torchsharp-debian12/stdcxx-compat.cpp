// Provides std::ios_base_library_init(), the one GLIBCXX_3.4.32 symbol libLibTorchSharp.so needs.
// GCC 13's libstdc++ added it; Debian 12's GCC 12 runtime lacks it. Constructing ios_base::Init is what
// the real function does: it makes sure the standard streams exist.
#include <ios>

namespace std {
void ios_base_library_init() { static ios_base::Init init; }
}
