package publish

import (
	"fmt"
	"mime"
	"os"
	"path/filepath"
	"syndicate/internal/document"

	"syndicate/internal/render"
)

// LoadMedia reads the files in dir (the articles' images) as documents
// served under /media/. Images are already compressed, so no gzip copy is
// kept. A missing dir means no media.
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
		if !e.Type().IsRegular() {
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
		ctype := mime.TypeByExtension(filepath.Ext(e.Name()))
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		doc := render.NewDocument(body, ctype, info.ModTime().UTC())
		doc.Gzip, doc.Brotli = nil, nil // images are compressed already
		media["/media/"+e.Name()] = doc
	}
	return media, nil
}
