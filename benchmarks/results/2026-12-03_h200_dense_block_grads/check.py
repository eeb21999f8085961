import json, torch
from seis_wav2vec.fused_input import check_fused_input, fused_layer_errors
for d, t in ((128, 1024), (256, 256), (512, 64)):
    for dt in (torch.float32, torch.bfloat16):
        e = check_fused_input(d, t, 4, device="cuda", dtype=dt)
        print(json.dumps({"d": d, "T": t, "dtype": str(dt), "largest": max(e.values()), **e}), flush=True)
print(json.dumps(fused_layer_errors("FUSED_INPUT")), flush=True)
