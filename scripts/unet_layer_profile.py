#!/usr/bin/env python3
"""Where a U-Net block's time goes on a GPU, level by level, at the experiment's sizes (batch 64, bf16 autocast): one
bidirectional mLSTM block, its mLSTM layer, the layer without the cell, the compiled block, the feed-forward half and
the TFLA kernel alone at several chunk and block sizes (the code: seis_wav2vec.unet_check, nbs/31_unet_check.ipynb).

    python3 scripts/unet_layer_profile.py --out $OUT/unet_layers.jsonl
"""
from seis_wav2vec.unet_check import levels_main

if __name__ == "__main__":
    levels_main()
