/* C shims between synack's Rust plugin and Wireshark.
 *
 * Wireshark reports errors by longjmp (TRY/CATCH in epan/exceptions.h). A longjmp across a Rust
 * frame that owns values skips its destructors, so every Wireshark call that may throw is made
 * here, inside TRY, and an exception becomes a NULL or 0 return. */
#include "wrapper.h"
#include <epan/exceptions.h>
#include <wiretap/wtap.h>
#include <wiretap/pcap-encap.h>

/* libwiretap exports only the pcap-to-wiretap direction, so the frame's encapsulation is mapped
 * back by asking which of the LINKTYPE_ values synack's core reads (given by the caller) maps to it. */
static int encap_to_linktype(int encap, const guint32 *linktypes, int n)
{
    for (int i = 0; i < n; i++) {
        if (wtap_pcap_encap_to_wtap_encap((int)linktypes[i]) == encap)
            return (int)linktypes[i];
    }
    return -1;
}

int synack_frame(tvbuff_t *tvb, packet_info *pinfo, const guint32 *linktypes, int n, synack_frame_t *out)
{
    int ok = 0;
    TRY {
        out->num = pinfo->num;
        out->visited = pinfo->fd->visited ? 1 : 0;
        out->secs = (gint64)pinfo->abs_ts.secs;
        out->nsecs = pinfo->abs_ts.nsecs;
        out->pkt_len = pinfo->fd->pkt_len;
        out->cap_len = tvb_captured_length(tvb);
        out->linktype = -1;
        if (pinfo->rec && pinfo->rec->rec_type == REC_TYPE_PACKET)
            out->linktype = encap_to_linktype(pinfo->rec->rec_header.packet_header.pkt_encap, linktypes, n);
        out->data = out->cap_len ? tvb_get_ptr(tvb, 0, out->cap_len) : NULL;
        ok = 1;
    }
    CATCH_ALL {
        ok = 0;
    }
    ENDTRY;
    return ok;
}

proto_item *synack_add_items(proto_tree *tree, int proto, int ett, int ett_child, tvbuff_t *tvb, const char *title,
                             const synack_item_t *items, int n)
{
    proto_item *top = NULL;
    TRY {
        proto_item *ti = proto_tree_add_item(tree, proto, tvb, 0, 0, ENC_NA);
        proto_item_set_text(ti, "%s", title);
        proto_item_set_generated(ti);
        proto_tree *sub = proto_item_add_subtree(ti, ett);
        proto_item *last = NULL;
        proto_tree *child = NULL;
        for (int i = 0; i < n; i++) {
            const synack_item_t *it = &items[i];
            proto_item *fi = NULL;
            proto_tree *parent = sub;
            if (it->level == 1 && last) {
                if (!child)
                    child = proto_item_add_subtree(last, ett_child);
                parent = child;
            } else {
                child = NULL;
            }
            switch (it->kind) {
            case SYNACK_ITEM_UINT:
                fi = proto_tree_add_uint(parent, it->hf, tvb, 0, 0, it->u);
                break;
            case SYNACK_ITEM_BOOL:
                fi = proto_tree_add_boolean(parent, it->hf, tvb, 0, 0, it->u ? 1 : 0);
                break;
            case SYNACK_ITEM_STRING:
                fi = proto_tree_add_string(parent, it->hf, tvb, 0, 0, it->s);
                break;
            case SYNACK_ITEM_RELTIME: {
                nstime_t t;
                t.secs = (time_t)it->secs;
                t.nsecs = it->nsecs;
                fi = proto_tree_add_time(parent, it->hf, tvb, 0, 0, &t);
                break;
            }
            default:
                break;
            }
            proto_item_set_generated(fi);
            if (it->level == 0)
                last = fi;
        }
        top = ti;
    }
    CATCH_ALL {
        top = NULL;
    }
    ENDTRY;
    return top;
}

void synack_expert(packet_info *pinfo, proto_item *item, expert_field *ei)
{
    TRY {
        expert_add_info(pinfo, item, ei);
    }
    CATCH_ALL {
    }
    ENDTRY;
}

void synack_expert_text(packet_info *pinfo, proto_item *item, expert_field *ei, const char *text)
{
    TRY {
        expert_add_info_format(pinfo, item, ei, "%s", text);
    }
    CATCH_ALL {
    }
    ENDTRY;
}

void synack_col_append(packet_info *pinfo, const char *text)
{
    TRY {
        col_append_str(pinfo->cinfo, COL_INFO, text);
    }
    CATCH_ALL {
    }
    ENDTRY;
}

int synack_wanted(proto_tree *tree, const int *hfs, int n)
{
    if (!tree)
        return 0;
    if (PTREE_DATA(tree)->visible)
        return 1;
    for (int i = 0; i < n; i++) {
        if (hfs[i] > 0 && proto_field_is_referenced(tree, hfs[i]))
            return 1;
    }
    return 0;
}

void synack_tap_frame(int tap_id, packet_info *pinfo, guint32 num)
{
    TRY {
        if (have_tap_listener(tap_id)) {
            /* Read by the listeners when the frame's dissection is over: the frame's pool. */
            guint32 *p = wmem_new(pinfo->pool, guint32);
            *p = num;
            tap_queue_packet(tap_id, pinfo, p);
        }
    }
    CATCH_ALL {
    }
    ENDTRY;
}

static tap_packet_status st_packet(stats_tree *st, packet_info *pinfo _U_, epan_dissect_t *edt _U_, const void *p,
                                   tap_flags_t flags _U_)
{
    return synack_stats_packet(st, *(const guint32 *)p) ? TAP_PACKET_REDRAW : TAP_PACKET_DONT_REDRAW;
}

static const char *st_tap, *st_abbr, *st_name;

static void st_register(void)
{
    stats_tree_register_plugin(st_tap, st_abbr, st_name, 0, st_packet, synack_stats_init, synack_stats_cleanup);
}

static tap_plugin st_plugin = { st_register };

void synack_register_stats(const char *tap, const char *abbr, const char *name)
{
    st_tap = tap;
    st_abbr = abbr;
    st_name = name;
    tap_register_plugin(&st_plugin);
}

int synack_st_node(stats_tree *st, const char *name, int parent_id, int with_children)
{
    return stats_tree_create_node(st, name, parent_id, STAT_DT_INT, with_children ? TRUE : FALSE);
}

int synack_st_ranges(stats_tree *st, const char *name, int parent_id, int n, const char **ranges)
{
    return stats_tree_create_range_node_string(st, name, parent_id, n, (gchar **)ranges);
}

void synack_st_set(stats_tree *st, const char *name, int parent_id, int value)
{
    stats_tree_manip_node_int(MN_SET, st, name, parent_id, FALSE, value);
}

void synack_st_average(stats_tree *st, const char *name, float value, const char *ranges, int range_parent, int in_range)
{
    /* Named (TRUE): a root node is found again by its name only if it was named. */
    stats_tree_manip_node_float(MN_AVERAGE, st, name, 0, TRUE, value);
    /* As Wireshark's own range trees do: the ranged node counts too, then its range. */
    stats_tree_manip_node_int(MN_INCREASE, st, ranges, range_parent, FALSE, 1);
    stats_tree_tick_range(st, ranges, range_parent, in_range);
}
