package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// config is the plugin's settings: the provider's `settings` for this plugin, as JSON.
type config struct {
	// Notes maps a note's id to its text.
	Notes map[string]string `json:"notes"`
}

// parseConfig reads the settings; empty text means no notes. Unknown fields are refused so a
// misspelt setting is not silently ignored.
func parseConfig(text string) (config, error) {
	var cfg config
	if text == "" {
		return cfg, nil
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return cfg, fmt.Errorf("plugin settings: %w (expected {\"notes\": {\"<id>\": \"<text>\"}})", err)
	}
	for id := range cfg.Notes {
		if id == "" {
			return cfg, errors.New("plugin settings: a note id is empty")
		}
	}
	return cfg, nil
}
