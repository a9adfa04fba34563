"""`python -m storykit`: the storykit command."""

from storykit.launch import main

if __name__ == "__main__":
    main()
