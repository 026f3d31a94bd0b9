package redis

import (
	"cmp"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/feast-go/feast-go/onlinestore"
	goredis "github.com/redis/go-redis/v9"
)

// The ledger is one hash per project, outside Feast's key space (Feast's
// keys start with a serialized entity key): field "<service>\n<owner>",
// value the note's expiry in Unix milliseconds. Every connection of a
// writer carries the client name "feast-go-<owner>", so a note whose writer
// was killed is seen as dead at once, without waiting for its lease; where
// CLIENT LIST is not allowed, the lease alone decides.
func (s *Store) ledgerKey(kind onlinestore.LedgerKind) string {
	return "feast-go:" + string(kind) + ":" + s.opts.Project
}

const clientNamePrefix = "feast-go-"

// Ledger implements onlinestore.Store.
func (s *Store) Ledger(kind onlinestore.LedgerKind) onlinestore.Ledger {
	return ledger{s: s, key: s.ledgerKey(kind)}
}

type ledger struct {
	s   *Store
	key string
}

func (l ledger) Owe(ctx context.Context, services []string, lease time.Duration) error {
	if len(services) == 0 {
		return nil
	}
	until := strconv.FormatInt(time.Now().Add(lease).UnixMilli(), 10)
	args := make([]any, 0, 2*len(services))
	for _, svc := range services {
		args = append(args, svc+"\n"+l.s.owner, until)
	}
	if err := l.s.c.HSet(ctx, l.key, args...).Err(); err != nil {
		return classify("redis: note owed vectors", err)
	}
	return nil
}

func (l ledger) Settle(ctx context.Context, service, owner string) error {
	if err := l.s.c.HDel(ctx, l.key, service+"\n"+cmp.Or(owner, l.s.owner)).Err(); err != nil {
		return classify("redis: settle owed vectors", err)
	}
	return nil
}

func (l ledger) Owner() string { return l.s.owner }

func (l ledger) Debts(ctx context.Context) ([]onlinestore.Debt, error) {
	all, err := l.s.c.HGetAll(ctx, l.key).Result()
	if err != nil {
		return nil, classify("redis: read owed vectors", err)
	}
	if len(all) == 0 {
		return nil, nil
	}
	connected, known := l.s.clientNames(ctx, l.key)
	now := time.Now().UnixMilli()
	var out []onlinestore.Debt
	for field, v := range all {
		svc, owner, ok := strings.Cut(field, "\n")
		until, err := strconv.ParseInt(v, 10, 64)
		if !ok || err != nil {
			return nil, fmt.Errorf("redis: %s: field %q: unreadable note %q", l.key, field, v)
		}
		live := until > now && (!known || connected[owner] || owner == l.s.owner)
		out = append(out, onlinestore.Debt{Service: svc, Owner: owner, Live: live})
	}
	return out, nil
}

// clientNames lists the owners with a connection to the node that holds the
// ledger; known is false when the server does not let us ask.
func (s *Store) clientNames(ctx context.Context, key string) (names map[string]bool, known bool) {
	var c goredis.Cmdable = s.c
	if cc, ok := s.c.(*goredis.ClusterClient); ok {
		node, err := cc.MasterForKey(ctx, key)
		if err != nil {
			return nil, false
		}
		c = node
	}
	list, err := c.ClientList(ctx).Result()
	if err != nil {
		return nil, false
	}
	names = map[string]bool{}
	for _, line := range strings.Split(list, "\n") {
		for _, f := range strings.Fields(line) {
			if n, ok := strings.CutPrefix(f, "name="+clientNamePrefix); ok {
				names[n] = true
			}
		}
	}
	return names, true
}
