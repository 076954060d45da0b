/* FLOPs of the forward pass per token, the count titans-bench reports and titans-eval plans with.
 *
 * Counted, 2 per multiply-add (norms, activations and softmax are not counted), per ordinary token
 * and layer, d = d_model, f = ffn_dim, P = fast-weight parameters of one memory head, H_m heads:
 *   FFN                 3 d f
 *   attention           4 d^2 + 2 d k        (k = keys the query sees)
 *   memory (LMM)        5 d^2 + 3 d H_m + 6 P H_m
 *                       (q, k, v, gate, out projections; per head: key forward, backward,
 *                        gradient, momentum and decay update, read)
 *   mac extra           2 d^2 (h keys/values) + d^2 (W_h) + d^2 (read projection) + P H_m (read)
 * all times 2. The lm head (256 d) is counted for decoded tokens only. */

#include "titans.h"

static double mem_head_params(const TitansConfig *c)
{
    int dm = c->d_mem, h = c->mem_hidden, L = c->mem_depth;
    if (L == 1) return (double)dm * dm;
    return (double)dm * h * 2 + (double)(L - 2) * h * h;
}

double titans_token_flops(const TitansConfig *c, double t)
{
    double d = c->d_model, f = c->ffn_dim, P = mem_head_params(c), H = c->mem_heads;
    double np = c->n_persistent, W = c->window, C = c->segment;
    double total = 0;
    for (int i = 0; i < c->n_layers; i++) {
        double macs = 3 * d * f;
        double mem = 5 * d * d + 3 * d * H + 6 * P * H;
        double win = t + 1 < W ? t + 1 : W;
        switch (c->layer_kinds[i]) {
        case TITANS_LAYER_ATTN: macs += 4 * d * d + 2 * d * (np + t + 1); break;
        case TITANS_LAYER_SWA: macs += 4 * d * d + 2 * d * (np + win); break;
        case TITANS_LAYER_LMM: macs += mem; break;
        case TITANS_LAYER_MAG:
        case TITANS_LAYER_MAL: macs += mem + 4 * d * d + 2 * d * (np + win); break;
        case TITANS_LAYER_MAC: {
            double j = (double)((long long)t % (long long)C);
            macs += mem + 4 * d * d + 2 * d * (np + 2 * (j + 1)) + 4 * d * d + P * H;
            break;
        }
        }
        total += macs;
    }
    return 2 * total;
}

