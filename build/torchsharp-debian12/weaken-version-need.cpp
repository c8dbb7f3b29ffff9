// Marks one version requirement of an ELF shared object as weak (VER_FLG_WEAK), so that the dynamic loader
// only warns when the system library lacks that version instead of refusing to load the object.
//   usage: weaken-version-need <file.so> <version, e.g. GLIBCXX_3.4.32>
// Exit 0: weakened or already weak. Exit 1: the file has no such requirement. Exit 2: not a file we can handle.
#include <elf.h>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s <file.so> <version>\n", argv[0]);
        return 2;
    }
    const char* path = argv[1];
    const char* wanted = argv[2];
    std::ifstream in(path, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.size() < sizeof(Elf64_Ehdr) || std::memcmp(bytes.data(), ELFMAG, SELFMAG) != 0 ||
        bytes[EI_CLASS] != ELFCLASS64 || bytes[EI_DATA] != ELFDATA2LSB) {
        std::fprintf(stderr, "%s: not a 64-bit little-endian ELF file\n", path);
        return 2;
    }
    auto* ehdr = reinterpret_cast<Elf64_Ehdr*>(bytes.data());
    if (ehdr->e_shoff + static_cast<size_t>(ehdr->e_shnum) * sizeof(Elf64_Shdr) > bytes.size()) {
        std::fprintf(stderr, "%s: section headers lie outside the file\n", path);
        return 2;
    }
    auto* sections = reinterpret_cast<Elf64_Shdr*>(bytes.data() + ehdr->e_shoff);
    for (int s = 0; s < ehdr->e_shnum; ++s) {
        if (sections[s].sh_type != SHT_GNU_verneed) {
            continue;
        }
        const Elf64_Shdr& strtab = sections[sections[s].sh_link];
        const char* names = bytes.data() + strtab.sh_offset;
        size_t needOffset = sections[s].sh_offset;
        for (Elf64_Word n = 0; n < sections[s].sh_info; ++n) {
            auto* need = reinterpret_cast<Elf64_Verneed*>(bytes.data() + needOffset);
            size_t auxOffset = needOffset + need->vn_aux;
            for (Elf64_Half a = 0; a < need->vn_cnt; ++a) {
                auto* aux = reinterpret_cast<Elf64_Vernaux*>(bytes.data() + auxOffset);
                if (std::strcmp(names + aux->vna_name, wanted) == 0) {
                    if (aux->vna_flags & VER_FLG_WEAK) {
                        return 0;
                    }
                    aux->vna_flags |= VER_FLG_WEAK;
                    std::ofstream out(path, std::ios::binary | std::ios::trunc);
                    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
                    return out ? 0 : 2;
                }
                auxOffset += aux->vna_next;
            }
            needOffset += need->vn_next;
        }
    }
    std::fprintf(stderr, "%s: no requirement on version %s\n", path, wanted);
    return 1;
}
