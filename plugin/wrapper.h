/* The part of Wireshark's C API synack's plugin uses, plus synack's own C shims (shim.c).
 * build.rs runs bindgen over this file with allowlists, so only these names are bound. */
#ifndef SYNACK_WRAPPER_H
#define SYNACK_WRAPPER_H

#include <wireshark.h>
#include <epan/packet.h>
#include <epan/proto.h>
#include <epan/expert.h>
#include <epan/prefs.h>
#include <ws_version.h>

/* What the plugin needs to know about the frame being dissected. */
typedef struct {
    guint32 num;          /* frame number, 1-based */
    int visited;          /* dissected before (second pass or GUI re-dissection) */
    gint64 secs;          /* capture time */
    int nsecs;
    guint32 pkt_len;      /* bytes on the wire */
    guint32 cap_len;      /* bytes captured (the tvb's captured length) */
    int linktype;         /* LINKTYPE_ of the frame's encapsulation, -1 if none */
    const guint8 *data;   /* cap_len bytes, or NULL */
} synack_frame_t;

/* Every shim catches Wireshark's exceptions (longjmps) in C, so none crosses a Rust frame. */
int synack_frame(tvbuff_t *tvb, packet_info *pinfo, synack_frame_t *out);
proto_tree *synack_add_tree(proto_tree *tree, int proto, int ett, tvbuff_t *tvb, const char *text, proto_item **item);
proto_item *synack_add_uint(proto_tree *tree, int hf, tvbuff_t *tvb, guint32 value);
proto_item *synack_add_bool(proto_tree *tree, int hf, tvbuff_t *tvb, int value);
proto_item *synack_add_string(proto_tree *tree, int hf, tvbuff_t *tvb, const char *value);
proto_item *synack_add_reltime(proto_tree *tree, int hf, tvbuff_t *tvb, gint64 secs, int nsecs);
void synack_expert(packet_info *pinfo, proto_item *item, expert_field *ei);
void synack_col_append(packet_info *pinfo, const char *text);
/* Does this tree want any of the n fields (visible tree, or one of them referenced)? */
int synack_wanted(proto_tree *tree, const int *hfs, int n);

#endif
