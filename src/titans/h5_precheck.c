#include "h5_precheck.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define GCOL_HEADER 16   /* "GCOL", version 1, 3 reserved bytes, 8-byte collection size */
#define GCOL_OBJ_HEADER 16 /* 2-byte index, 2-byte reference count, 4 reserved, 8-byte size */
#define GCOL_MIN_SIZE 4096 /* libhdf5 never writes a smaller collection (H5HG_MINSIZE) */

static const unsigned char HDF5_SIGNATURE[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

static uint64_t le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

static int has_signature(const unsigned char *b, size_t len)
{
    for (size_t at = 0; at + sizeof HDF5_SIGNATURE <= len; at = at ? 2 * at : 512)
        if (!memcmp(b + at, HDF5_SIGNATURE, sizeof HDF5_SIGNATURE)) return 1;
    return 0;
}

/* The objects of the collection at b[at .. at + size), as H5HG's deserialize walks them: each
 * object header, then its data padded to 8 bytes; index 0 is the free space, whose size counts
 * its header; fewer than 16 bytes left are free space too. */
static int walk_collection(const unsigned char *b, size_t at, size_t size, const char *name,
                           TitansError *err)
{
    size_t end = at + size;
    for (size_t p = at + GCOL_HEADER; end - p >= GCOL_OBJ_HEADER;) {
        unsigned idx = (unsigned)b[p] | (unsigned)b[p + 1] << 8;
        uint64_t obj = le64(b + p + 8), room = end - p;
        /* the step to the next header, overflow-free: obj is checked against room first */
        uint64_t step = idx == 0 ? obj
                      : obj > room - GCOL_OBJ_HEADER ? UINT64_MAX
                      : GCOL_OBJ_HEADER + ((obj + 7) & ~(uint64_t)7);
        if (step < GCOL_OBJ_HEADER || step > room) {
            snprintf(err->msg, sizeof err->msg, "%s: global heap collection at byte %zu: %s %u at "
                     "byte %zu has size %llu, expected %s%llu (what is left of the collection): the "
                     "file is damaged", name, at, idx ? "object" : "free space, object", idx, p,
                     (unsigned long long)obj, idx ? "at most " : "16 .. ",
                     (unsigned long long)(idx ? room - GCOL_OBJ_HEADER : room));
            return -1;
        }
        p += (size_t)step;
    }
    return 0;
}

int h5_precheck(const void *image, size_t len, const char *name, TitansError *err)
{
    const unsigned char *b = image;
    if (!has_signature(b, len)) {
        snprintf(err->msg, sizeof err->msg, "%s: not an HDF5 file (no HDF5 signature)", name);
        return -1;
    }
    for (size_t at = 0; len >= GCOL_HEADER && at <= len - GCOL_HEADER; at++) {
        const unsigned char *g = memchr(b + at, 'G', len - GCOL_HEADER + 1 - at);
        if (!g) break;
        at = (size_t)(g - b);
        /* a collection header: signature, version 1, reserved zeros (not float data that
         * happens to spell GCOL) */
        if (memcmp(g, "GCOL\1\0\0\0", 8) != 0) continue;
        uint64_t size = le64(g + 8);
        if (size < GCOL_MIN_SIZE || size > len - at) {
            snprintf(err->msg, sizeof err->msg, "%s: global heap collection at byte %zu: size %llu, "
                     "expected %d .. %zu (the rest of the file): the file is damaged or truncated",
                     name, at, (unsigned long long)size, GCOL_MIN_SIZE, len - at);
            return -1;
        }
        if (walk_collection(b, at, (size_t)size, name, err) != 0) return -1;
    }
    return 0;
}
