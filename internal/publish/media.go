package publish

import (
	"fmt"
	"os"
	"path/filepath"

	"syndicate/internal/document"
	"syndicate/internal/item"
	"syndicate/internal/render"
)

// LoadMedia reads the media files in dir (the articles' images, audio and
// video; see item.MediaType) as documents served under /media/. Other
// files, hidden ones included, are never served. Media are already
// compressed, so no gzip copy is kept. A missing dir means no media.
func LoadMedia(dir string) (map[string]document.Document, error) {
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("publish: media: %w", err)
	}
	media := make(map[string]document.Document, len(entries))
	for _, e := range entries {
		ctype := item.MediaType(e.Name())
		if !e.Type().IsRegular() || ctype == "" {
			continue
		}
		path := filepath.Join(dir, e.Name())
		body, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("publish: media: %w", err)
		}
		info, err := e.Info()
		if err != nil {
			return nil, fmt.Errorf("publish: media: %w", err)
		}
		doc := render.NewDocument(body, ctype, info.ModTime().UTC())
		doc.Gzip, doc.Brotli = nil, nil // images are compressed already
		media["/media/"+e.Name()] = doc
	}
	return media, nil
}
