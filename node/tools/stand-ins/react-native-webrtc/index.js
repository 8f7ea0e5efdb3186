// Ferry never runs on React Native: anything that loads this stand-in is a bug, so say so loudly.
throw new Error('react-native-webrtc is a stand-in in Ferry (node/tools/stand-ins): Ferry does not run on React Native')
