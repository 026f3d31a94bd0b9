package remote

import (
	"context"
	"encoding/json"
	"fmt"
)

// Request is a /get-online-features body: entities by join key (one value
// per entity row) and either feature references or a feature service.
type Request struct {
	Entities         map[string][]any `json:"entities"`
	Features         []string         `json:"features,omitempty"`
	FeatureService   string           `json:"feature_service,omitempty"`
	FullFeatureNames bool             `json:"full_feature_names"`
}

// Response is Feast's answer: one result per column (join keys first), each
// with one entry per entity row.
type Response struct {
	Metadata struct {
		FeatureNames []string `json:"feature_names"`
	} `json:"metadata"`
	Results []Column `json:"results"`
}

// Column is one column of a Response.
type Column struct {
	Values          []json.RawMessage `json:"values"`
	Statuses        []string          `json:"statuses"`
	EventTimestamps []string          `json:"event_timestamps"`
}

// GetOnlineFeatures posts req to /get-online-features and checks that the
// answer has one entry per entity row in every column.
func (c *Client) GetOnlineFeatures(ctx context.Context, req *Request) (*Response, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	var resp Response
	if err := c.post(ctx, "/get-online-features", body, &resp); err != nil {
		return nil, err
	}
	rows := -1
	for _, vs := range req.Entities {
		rows = len(vs)
		break
	}
	if len(resp.Results) != len(resp.Metadata.FeatureNames) {
		return nil, fmt.Errorf("feature server: %d result columns for %d feature names", len(resp.Results), len(resp.Metadata.FeatureNames))
	}
	for i, col := range resp.Results {
		if rows >= 0 && (len(col.Values) != rows || len(col.Statuses) != rows) {
			return nil, fmt.Errorf("feature server: column %q has %d values and %d statuses for %d entity rows",
				resp.Metadata.FeatureNames[i], len(col.Values), len(col.Statuses), rows)
		}
	}
	return &resp, nil
}
