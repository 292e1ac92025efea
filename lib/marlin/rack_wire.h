/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 Marlin authors
 */

#ifndef RACK_WIRE_H
#define RACK_WIRE_H

/*
 * The rack manager protocol: every record that crosses the manager's Unix
 * socket (SOCK_SEQPACKET: one record per send, never merged or split).
 *
 *   record = struct rack_wire_hdr + body (hdr.length bytes)
 *
 * A record is at most RACK_WIRE_MAX_RECORD bytes; each type has a fixed
 * body size, except REPLY whose text follows its fixed part. A record may
 * carry file descriptors (SCM_RIGHTS): OFFER carries exactly one (the
 * owner's sealed memfd for one (owner, peer, window)), GRANT carries
 * hdr-declared nfds (0 or 1: the memfd the peer maps); any other record
 * carries none. The receiver checks every field on its private copy
 * (rack_msg_parse()) and closes descriptors it did not expect.
 *
 * Conversation:
 *   host -> manager   HELLO          (identity is SO_PEERCRED, not a field)
 *   manager -> host   WELCOME, or REPLY with a negative status
 *   manager -> host   GRANT / LINK   (pushed whenever they change)
 *   host -> manager   OFFER + memfd  (answered with a REPLY)
 *   host -> manager   MOVED          (no answer: the owner acknowledges a
 *                                     revocation it applied, see below)
 *
 * Register banks travel like windows, under the pseudo window
 * RACK_WIRE_BANK_WINDOW: the owner offers one sealed memfd of
 * RACK_WIRE_BANK_SIZE bytes per peer (where that peer rings doorbells and
 * writes scratchpads), and the manager passes it read-write to that peer
 * only while some window of the owner is granted to it. A bank is not in
 * the rack address map: its GRANT carries rack_addr 0.
 *
 * The owner's register header (struct shm_wire_hdr of ntb_shm: epoch,
 * pid, link enable, geometry) travels under the pseudo window
 * RACK_WIRE_REGS_WINDOW: the owner offers one memfd of RACK_WIRE_REGS_SIZE
 * bytes (peer = its own host id: it is for every peer), sealed against
 * shrinking, growing, sealing and writing (F_SEAL_FUTURE_WRITE, after the
 * owner mapped it writable), and the manager passes it read-only to every
 * other registered host (GRANT with access RO, rack_addr 0). It holds
 * nothing a registered host could not ask the manager for. When the owner
 * registers anew, the manager drops the object of its previous run and
 * tells the others (access NONE).
 *
 * WELCOME with RACK_WELCOME_F_LINKS carries one descriptor: the manager's
 * link page (struct rack_wire_links), a memfd only the manager can write
 * (sealed F_SEAL_FUTURE_WRITE after the manager mapped it), which hosts
 * map read-only.
 *   CLI -> manager    ADMIN          (answered with REPLY records; all but
 *                                     the last carry RACK_REPLY_F_MORE)
 *
 * A REVOKE from the CLI is answered only once the owner has applied it:
 * the manager pushes the revocation (GRANT with access NONE) to the owner
 * with a non-zero ticket in hdr.seq; the owner moves the pages of that
 * (peer, window) to fresh backing and answers MOVED with the same ticket.
 * The manager answers the CLI when every window of the request is
 * acknowledged, the owner goes away, or the admin's wait_ms runs out
 * (status -ETIMEDOUT: the revocation is recorded but not confirmed).
 * Pushes without ticket (seq 0) want no MOVED.
 *
 * Fields are host byte order (manager and hosts share a machine, or a
 * byte order). All reserved fields are zero; a receiver refuses others.
 */

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

/** "MRCK" in memory on little-endian hosts. */
#define RACK_WIRE_MAGIC 0x4b43524du
/** Bumped on any incompatible change. */
#define RACK_WIRE_VERSION 1u
/** Largest record, header included. */
#define RACK_WIRE_MAX_RECORD 32768u
/** Most descriptors one record carries. */
#define RACK_WIRE_MAX_FDS 1u
/** Window field meaning "every window of the owner" (ADMIN only). */
#define RACK_WIRE_ALL_WINDOWS 0xffffffffu

enum rack_wire_type {
	RACK_MSG_HELLO = 1,   /**< host -> manager: struct rack_wire_hello */
	RACK_MSG_WELCOME = 2, /**< manager -> host: struct rack_wire_welcome */
	RACK_MSG_ADMIN = 3,   /**< CLI -> manager: struct rack_wire_admin */
	RACK_MSG_REPLY = 4,   /**< manager -> any: struct rack_wire_reply + text */
	RACK_MSG_GRANT = 5,   /**< manager -> host: struct rack_wire_grant */
	RACK_MSG_OFFER = 6,   /**< host -> manager: struct rack_wire_offer + fd */
	RACK_MSG_LINK = 7,    /**< manager -> host: struct rack_wire_link */
	RACK_MSG_MOVED = 8,   /**< host -> manager: struct rack_wire_moved */
	RACK_MSG_RANGE_OFFER = 9,     /**< host -> manager: rack_wire_range + fd */
	RACK_MSG_RANGE_WITHDRAW = 10, /**< host -> manager: rack_wire_range */
	RACK_MSG_RANGE = 11,  /**< manager -> peer: rack_wire_range (+ fd) */
	RACK_MSG_TYPE_MAX = 12,
};

/** Access granted to a peer. */
enum rack_wire_access {
	RACK_ACCESS_NONE = 0,
	RACK_ACCESS_RO = 1,
	RACK_ACCESS_RW = 2,
};

/** ADMIN operations. */
enum rack_wire_op {
	RACK_OP_STATUS = 1,
	RACK_OP_HOSTS = 2,
	RACK_OP_LINKS = 3,
	RACK_OP_MAP = 4,
	RACK_OP_GRANTS = 5,
	RACK_OP_GRANT = 6,
	RACK_OP_REVOKE = 7,
	RACK_OP_CUT = 8,
	RACK_OP_RESTORE = 9,
	RACK_OP_MAX = 10,
};

/** Every record starts with this. */
struct rack_wire_hdr {
	uint32_t magic;   /**< RACK_WIRE_MAGIC */
	uint16_t version; /**< RACK_WIRE_VERSION */
	uint16_t type;    /**< enum rack_wire_type */
	uint32_t length;  /**< body bytes after this header */
	uint32_t seq;     /**< chosen by the requester, echoed in its replies */
};

/** A host registers: it wants to hold host_id and exports this memory. */
struct rack_wire_hello {
	uint32_t host_id;  /**< < RACK_WIRE_MAX_HOSTS */
	uint32_t mw_count; /**< inbound windows, 1..RACK_WIRE_MAX_WINDOWS */
	uint64_t mw_size;  /**< bytes per window, 1..2^window_shift */
	uint32_t flags;    /**< RACK_HELLO_F_* */
	uint32_t reserved[3];
};
/** The same process registers again (the manager restarted or the
 *  connection dropped): its memory objects are the ones it handed over
 *  before, peers keep them until it hands them over again. */
#define RACK_HELLO_F_RESUME 1u
/** The host's windows are in ranges mode: peers reach only the ranges it
 *  exposes (RANGE_OFFER), never a whole window object. */
#define RACK_HELLO_F_RANGES 2u

/** The manager accepted a HELLO. */
struct rack_wire_welcome {
	uint32_t host_id;
	uint32_t host_shift;   /**< host h starts at h << host_shift */
	uint32_t window_shift; /**< window w of a host at w << window_shift */
	uint32_t flags;        /**< RACK_WELCOME_F_* */
	uint64_t rack_base;    /**< this host's rack address (h << host_shift) */
	uint64_t epoch;        /**< the manager's start epoch */
};

/** The WELCOME carries the manager's link page. */
#define RACK_WELCOME_F_LINKS 1u

/** ADMIN request from the CLI. */
struct rack_wire_admin {
	uint32_t op;     /**< enum rack_wire_op */
	uint32_t flags;  /**< RACK_ADMIN_F_* */
	uint32_t owner;  /**< GRANT/REVOKE: owner; CUT/RESTORE: host a */
	uint32_t peer;   /**< GRANT/REVOKE: peer; CUT/RESTORE: host b */
	uint32_t window; /**< GRANT/REVOKE: window or RACK_WIRE_ALL_WINDOWS */
	uint32_t access; /**< GRANT: RACK_ACCESS_RO or RACK_ACCESS_RW */
	uint32_t wait_ms;/**< REVOKE: how long to wait for the owner's MOVED
			  *   (0: RACK_WIRE_REVOKE_WAIT_MS); else 0 */
	uint32_t reserved;
};
/** Default and largest wait of a REVOKE for the owner's acknowledgement. */
#define RACK_WIRE_REVOKE_WAIT_MS 2000u
#define RACK_WIRE_REVOKE_WAIT_MAX_MS 60000u
#define RACK_ADMIN_F_JSON 1u /**< answer in JSON instead of a table */

/** Answer to HELLO (refusal), OFFER or ADMIN; text follows. */
struct rack_wire_reply {
	int32_t status;    /**< 0 or a negative errno */
	uint32_t flags;    /**< RACK_REPLY_F_* */
	uint32_t text_len; /**< bytes of text after this struct, no NUL */
	uint32_t reserved;
};
#define RACK_REPLY_F_MORE 1u /**< more REPLY records follow for this seq */
/** REVOKE answered with status 0: the owner acknowledged that it moved
 *  the pages (MOVED). */
#define RACK_REPLY_F_MOVED 2u
/** REVOKE answered with status 0: the owner is not connected (it died,
 *  or has not registered again since a manager restart; it applies the
 *  revocation when it does), so there was nobody to wait for. */
#define RACK_REPLY_F_OWNER_AWAY 4u

/** A grant changed (or is announced at registration). */
struct rack_wire_grant {
	uint32_t owner;     /**< host whose memory it is */
	uint32_t peer;      /**< host that may reach it */
	uint32_t window;    /**< owner's window */
	uint32_t access;    /**< enum rack_wire_access; NONE: revoked */
	uint32_t nfds;      /**< 0, or 1: the memfd of (owner, peer, window) */
	uint32_t flags;     /**< RACK_GRANT_F_* */
	uint64_t rack_addr; /**< rack address of the window */
	uint64_t size;      /**< window bytes (0 if the owner never said) */
};

/** No object comes with this grant, but the one the peer holds may still
 *  be the owner's (it resumed, or is not connected): keep it. Without it,
 *  a grant without an object means the one held is stale (the owner
 *  started anew). */
#define RACK_GRANT_F_KEEP 1u
/** The owner's window is in ranges mode: no window object comes, only
 *  RANGE records; map nothing else of it. */
#define RACK_GRANT_F_RANGES 2u

/** The owner hands over the memory object of (owner, peer, window). */
struct rack_wire_offer {
	uint32_t peer;
	uint32_t window;
	uint64_t size;      /**< must equal the memfd's size */
	uint64_t reserved;
};

/** The owner applied a revocation pushed with a ticket (hdr.seq of that
 *  GRANT): the pages of (sender, peer, window) are on fresh backing, or
 *  status says why not. */
struct rack_wire_moved {
	uint32_t peer;
	uint32_t window;    /**< < RACK_WIRE_MAX_WINDOWS, or the bank */
	uint32_t ticket;    /**< non-zero, from the pushed GRANT's hdr.seq */
	int32_t status;     /**< 0, or a negative errno: not moved */
};

/**
 * One exposed range of a window in ranges mode (RACK_HELLO_F_RANGES):
 * RANGE_OFFER (owner -> manager, with the range's own sealed memfd of
 * exactly @c length bytes), RANGE_WITHDRAW (owner -> manager, no fd: the
 * owner moved the range to fresh backing), RANGE (manager -> peer, with
 * the memfd while access is not NONE; access NONE: unmap it). Offset and
 * length are multiples of RACK_WIRE_PAGE; owner is the sender's host id
 * on the owner's records.
 */
struct rack_wire_range {
	uint32_t owner;
	uint32_t peer;
	uint32_t window;
	uint32_t access;    /**< enum rack_wire_access; NONE on WITHDRAW */
	uint64_t offset;    /**< in the window */
	uint64_t length;
};
/** Granularity of exposed ranges. */
#define RACK_WIRE_PAGE 4096u

/** A link changed state (cut/restore, a host came or went). */
struct rack_wire_link {
	uint32_t a;
	uint32_t b;
	uint32_t up;        /**< 0 or 1 */
	uint32_t reserved;
};

#define RACK_WIRE_MAX_HOSTS 64u
#define RACK_WIRE_MAX_WINDOWS 8u
/** Window field of an OFFER or GRANT that carries a register bank. */
#define RACK_WIRE_BANK_WINDOW RACK_WIRE_MAX_WINDOWS
/** Bytes of a register bank object (one page). */
#define RACK_WIRE_BANK_SIZE 4096u
/** Window field of an OFFER or GRANT that carries an owner's register
 *  header (read-only for every peer). */
#define RACK_WIRE_REGS_WINDOW (RACK_WIRE_MAX_WINDOWS + 1)
/** Bytes of a register header object (one page). */
#define RACK_WIRE_REGS_SIZE 4096u

/** "MLNK" in memory on little-endian hosts. */
#define RACK_LINKS_MAGIC 0x4b4e4c4du
#define RACK_LINKS_VERSION 1u
#define RACK_LINKS_SIZE 4096u

/**
 * The link page: written by the manager alone, mapped read-only by hosts.
 * Bit b of cut[a] is set while the link a-b is cut (marlin-fabric cut).
 * The manager stores cut words with release semantics, magic last at
 * creation.
 */
struct rack_wire_links {
	uint32_t magic;   /**< RACK_LINKS_MAGIC once filled */
	uint32_t version; /**< RACK_LINKS_VERSION */
	uint64_t epoch;   /**< the manager's start epoch */
	uint64_t cut[RACK_WIRE_MAX_HOSTS];
};
/** The rack address map (rte_marlin_rack.h says the same). */
#define RACK_WIRE_HOST_SHIFT 42u
#define RACK_WIRE_WINDOW_SHIFT 39u
#define RACK_WIRE_MAX_TEXT \
	(RACK_WIRE_MAX_RECORD - sizeof(struct rack_wire_hdr) - \
	 sizeof(struct rack_wire_reply))

static_assert(sizeof(struct rack_wire_hdr) == 16, "header is 16 bytes");
static_assert(offsetof(struct rack_wire_hdr, magic) == 0, "magic first");
static_assert(offsetof(struct rack_wire_hdr, version) == 4, "version second");
static_assert(offsetof(struct rack_wire_hdr, length) == 8, "length offset");
static_assert(sizeof(struct rack_wire_hello) == 32, "hello size");
static_assert(sizeof(struct rack_wire_welcome) == 32, "welcome size");
static_assert(sizeof(struct rack_wire_admin) == 32, "admin size");
static_assert(sizeof(struct rack_wire_reply) == 16, "reply size");
static_assert(sizeof(struct rack_wire_grant) == 40, "grant size");
static_assert(sizeof(struct rack_wire_offer) == 24, "offer size");
static_assert(sizeof(struct rack_wire_link) == 16, "link size");
static_assert(sizeof(struct rack_wire_moved) == 16, "moved size");
static_assert(sizeof(struct rack_wire_range) == 32, "range size");
static_assert(sizeof(struct rack_wire_links) <= RACK_LINKS_SIZE,
	"link page fits its object");

#endif /* RACK_WIRE_H */
