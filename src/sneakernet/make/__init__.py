"""The whole job: prepare what a plan needs, build each card's image, audit it."""
