/* TitansConfig rules: parsing names and checking that a config is consistent. */
#ifndef TITANS_CONFIG_H
#define TITANS_CONFIG_H

#include "titans.h"

int parse_layer_kind(const char *s, TitansLayerKind *k);
/* Checks every rule of docs/checkpoint-format.md and fills the derived fields; err names
 * `path: field: problem`. */
int config_validate(TitansConfig *c, const char *path, TitansError *err);

#endif
