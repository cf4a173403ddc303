// Command pngcheck fails when a screenshot is blank: one colour, or so nearly one colour that
// nothing was drawn (a page that failed to render, or rendered white).
//
//	go run ./scripts/pngcheck FILE.png
package main

import (
	"fmt"
	"image"
	_ "image/png"
	"os"
)

// A rendered report page has text, pictures and tables on a light background; a blank render
// leaves all but a few pixels in one colour. 2 % of other pixels is far below any real page
// (the report's header bar alone is more) and far above a stray scrollbar.
const minOtherShare = 0.02

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go run ./scripts/pngcheck FILE.png")
		os.Exit(2)
	}
	if err := check(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "pngcheck:", err)
		os.Exit(1)
	}
}

func check(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return fmt.Errorf("%s: not a PNG the browser finished: %w", path, err)
	}
	b := img.Bounds()
	counts := map[[4]uint32]int{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			counts[[4]uint32{r >> 8, g >> 8, bl >> 8, a >> 8}]++
		}
	}
	total := b.Dx() * b.Dy()
	top := 0
	for _, n := range counts {
		top = max(top, n)
	}
	other := float64(total-top) / float64(max(total, 1))
	if len(counts) < 2 || other < minOtherShare {
		return fmt.Errorf("%s looks blank: %d colour(s), %.2f %% of %dx%d pixels differ from the commonest (want at least %.0f %%)",
			path, len(counts), other*100, b.Dx(), b.Dy(), minOtherShare*100)
	}
	fmt.Printf("%s: %dx%d, %d colours, %.0f %% of pixels drawn\n", path, b.Dx(), b.Dy(), len(counts), other*100)
	return nil
}
