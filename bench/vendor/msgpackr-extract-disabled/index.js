// See package.json: msgpackr catches this and uses its JS decoder.
throw new Error('msgpackr-extract is disabled in this project');
