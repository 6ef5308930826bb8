// The four-module split of SAM 2 for video, as NVIDIA's SAM2-ONNX-TRT exports it:
//   video_encoder:     image -> pix_feat, high_res_feat0, high_res_feat1, vision_feats, vision_pos_embed
//   video_decoder:     point_coords, point_labels, image_embed, high_res_feats_0, high_res_feats_1
//                      -> obj_ptr, mask_for_mem, pred_mask, iou, occ_logit
//   memory_attention:  current_vision_feat, current_vision_pos_embed, memory_0 (object pointers),
//                      memory_1 (spatial memories), memory_pos_embed, cond_frame_id_diff -> image_embed
//   memory_encoder:    mask_for_mem, pix_feat, occ_logit -> maskmem_features, maskmem_pos_enc, temporal_code
// The memory bank between them is kept in TypeScript (tracking/memory-bank.ts).
import type { FamilyContract } from '../manifest-check.js';

export const SAM2_VIDEO_CONTRACT: FamilyContract = {
  video_encoder: { inputs: ['image'], outputs: ['pix_feat', 'high_res_feat0', 'high_res_feat1', 'vision_feats', 'vision_pos_embed'] },
  video_decoder: {
    inputs: ['point_coords', 'point_labels', 'image_embed', 'high_res_feats_0', 'high_res_feats_1'],
    outputs: ['obj_ptr', 'mask_for_mem', 'pred_mask', 'iou', 'occ_logit'],
  },
  memory_attention: {
    inputs: ['current_vision_feat', 'current_vision_pos_embed', 'memory_0', 'memory_1', 'memory_pos_embed', 'cond_frame_id_diff'],
    outputs: ['image_embed'],
  },
  memory_encoder: { inputs: ['mask_for_mem', 'pix_feat', 'occ_logit'], outputs: ['maskmem_features', 'maskmem_pos_enc', 'temporal_code'] },
};
