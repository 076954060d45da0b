/* Cheap checks of an HDF5 file's bytes before libhdf5 sees them. libhdf5 1.10 trusts the sizes in
 * a global heap collection ("GCOL", where variable-length strings such as the attributes 'format'
 * and 'layer_kinds' live): an object size 2^32 too large made it copy 4 GiB and crash in H5Aread,
 * one that landed on zeros made it loop forever in H5C_protect. These checks name such damage;
 * the sandbox (sandbox.h) contains whatever else libhdf5 does with a damaged file. */
#ifndef TITANS_H5_PRECHECK_H
#define TITANS_H5_PRECHECK_H

#include <stddef.h>

#include "titans.h"

/* An HDF5 signature at byte 0, 512, 1024, 2048, ... (where the format allows the superblock), and
 * every global heap collection inside the file with each object inside its collection, walked as
 * libhdf5 walks it. -1 with "<name>: ..." otherwise. */
int h5_precheck(const void *image, size_t len, const char *name, TitansError *err);

#endif
